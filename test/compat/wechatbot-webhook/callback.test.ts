// The wechatbot-webhook callback (RECVD_MSG_API) through weiroto's webhook outbox: a local receiver
// parses the multipart body of each message type and system event, checks the field set and the
// `source` shapes, answers with quick replies that arrive in the chat, and accepts a friend request.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCompatHarness, until, type CompatHarness } from './harness.js';
import type { WebhookDelivery } from '../../../src/webhook/index.js';
import { startReceiver, type Callback, type Receiver } from './receiver.js';

const FIELDS = ['source', 'isSystemEvent', 'isMentioned', 'isMsgFromSelf', 'type', 'content'];

describe('wechatbot-webhook callback on the webhook outbox (sandbox, web account)', () => {
  let h: CompatHarness;
  let rx: Receiver;
  let friend: { id: string; nickname: string };
  let room: { id: string; topic: string; members: { id: string; nickname: string }[] };
  let self: string;

  const callback = (what: string, pred: (c: Callback) => boolean) => until(what, () => rx.got.find(pred));
  /** The newest of the last 200 deliveries that `pred` accepts, with its stored body. */
  const deliveryWith = async (pred: (d: WebhookDelivery, body: string) => boolean): Promise<WebhookDelivery | undefined> => {
    for (const d of (await h.server.webhooks.listDeliveries({ limit: 200 })).items) {
      if (pred(d, (await h.server.webhooks.getDelivery(d.id))!.body)) return d;
    }
    return undefined;
  };
  const sentSince = async (since: number, pred: (m: { text: string; to: string; toName: string }) => boolean) =>
    until('a message in the sandbox', async () => (await h.sb.control.sent({ since })).messages.find(pred));

  before(async () => {
    rx = await startReceiver();
    rx.answer = (c) => {
      const text = c.fields.content;
      if (c.fields.type === 'text' && text === 'ask')
        return { status: 200, body: { success: true, data: [{ content: 'answer one' }, { type: 'text', content: 'answer two' }] } };
      if (c.fields.type === 'text' && text?.includes('ask the group'))
        return { status: 200, body: { success: true, data: { content: 'answer to the group' } } };
      if (c.fields.type === 'text' && text === 'no thanks') return { status: 200, body: { success: false, data: { content: 'never sent' } } };
      if (c.fields.type === 'friendship') {
        const hello = (JSON.parse(text!) as { hello: string }).hello;
        return hello === 'let me in'
          ? { status: 200, body: { success: true, data: { content: 'welcome aboard' } } }
          : { status: 200, body: { success: false } };
      }
      return { status: 200, body: {} };
    };
    // The new login after the phone logout (the last test) starts 100 ms after it, not 5 s.
    h = await startCompatHarness({ RECVD_MSG_API: rx.url, RELOGIN_DELAY_MS: '100' });
    const state = (await h.sb.control.state(true)).accounts[0]!;
    friend = state.friends.find((f) => f.kind === 'friend' && state.friends.filter((g) => g.nickname === f.nickname).length === 1)!;
    room = state.rooms[0]!;
    self = state.nickname;
  });
  after(async () => {
    await h?.close();
    await rx?.close();
  });

  it('the login system event comes once at start, with the account as user and empty source sides', async () => {
    const c = await callback('system_event_login', (x) => x.fields.type === 'system_event_login');
    assert.deepEqual(c.order, FIELDS);
    assert.equal(c.fields.isSystemEvent, '1');
    assert.match(c.contentType, /^multipart\/form-data; boundary=/);
    assert.deepEqual(c.source, { room: {}, to: {}, from: {} });
    const content = JSON.parse(c.fields.content!) as { event: string; user: { id: string; payload: { name: string } } };
    assert.equal(content.event, 'login');
    assert.equal(content.user.payload.name, h.bot.self!.name);
    assert.equal(rx.got.filter((x) => x.fields.type === 'system_event_login').length, 1);
  });

  it('text: the field set, and source {room: {}, to: the account, from: the sender} as serialised Wechaty contacts', async () => {
    await h.sb.control.sendMessage({ from: friend.nickname, text: 'hello there' });
    const c = await callback('a text callback', (x) => x.fields.content === 'hello there');
    assert.deepEqual(c.order, FIELDS);
    assert.deepEqual(
      { isSystemEvent: c.fields.isSystemEvent, isMentioned: c.fields.isMentioned, isMsgFromSelf: c.fields.isMsgFromSelf, type: c.fields.type },
      { isSystemEvent: '0', isMentioned: '0', isMsgFromSelf: '0', type: 'text' },
    );
    assert.deepEqual(c.source.room, {});
    const from = c.source.from;
    assert.deepEqual(Object.keys(from), ['_events', '_eventsCount', 'id', 'payload']);
    assert.deepEqual(Object.keys(from.payload), [
      'id',
      'name',
      'alias',
      'avatar',
      'gender',
      'type',
      'friend',
      'star',
      'phone',
      'city',
      'province',
      'signature',
      'address',
      'weixin',
    ]);
    assert.equal(from.payload.name, friend.nickname);
    assert.equal(from.payload.type, 1);
    assert.equal(from.payload.friend, true);
    assert.match(from.payload.avatar, /^http:\/\/localhost:\d+\/resouces\?media=/);
    assert.equal(c.source.to.payload.name, h.bot.self!.name);
    // The avatar link works against the listener once a token is added, as receivers must.
    const port = new URL(h.origin).port;
    const avatar = await fetch(from.payload.avatar.replace('localhost:' + new URL(from.payload.avatar).port, `127.0.0.1:${port}`) + '&token=compat-token-123');
    assert.equal(avatar.status, 200);
  });

  it('group message that @-mentions the account: room payload with memberList, to {}, isMentioned 1', async () => {
    const member = room.members.find((m) => m.nickname && m.nickname !== self)!;
    await h.sb.control.sendMessage({ from: member.nickname, room: room.topic, text: `@${h.bot.self!.name}\u2005are you there` });
    const c = await callback('a group callback', (x) => x.fields.content?.includes('are you there') ?? false);
    assert.equal(c.fields.isMentioned, '1');
    assert.deepEqual(c.source.to, {});
    assert.equal(c.source.room.payload.topic, room.topic);
    assert.deepEqual(Object.keys(c.source.room.payload), ['id', 'topic', 'avatar', 'adminIdList', 'memberList']);
    assert.ok(c.source.room.payload.memberList.length >= 2);
    assert.deepEqual(Object.keys(c.source.room.payload.memberList[0]), ['id', 'name', 'alias', 'avatar']);
    assert.equal(c.source.from.payload.name, member.nickname, JSON.stringify({ member, from: c.source.from.payload, room: c.source.room.payload.memberList }));
  });

  for (const [kind, fileName, mime] of [
    ['image', 'photo.png', 'image/png'],
    ['voice', 'voice.mp3', 'audio/mpeg'],
    ['video', 'clip.mp4', 'video/mp4'],
    ['file', 'report.pdf', 'application/pdf'],
  ] as const) {
    it(`${kind}: type file with the bytes as a file part`, async () => {
      const data = Buffer.from(`${kind} bytes from the sandbox`).toString('base64');
      await h.sb.control.sendMessage({ from: friend.nickname, type: kind, fileName, data });
      const c = await callback(`a ${kind} callback`, (x) => x.fields.type === 'file' && x.file?.data.toString() === `${kind} bytes from the sandbox`);
      assert.deepEqual(c.order, FIELDS);
      assert.equal(c.file!.field, 'content');
      assert.ok(c.file!.name.length > 0);
      if (kind === 'file') assert.equal(c.file!.name, fileName);
      if (kind !== 'image') assert.equal(c.file!.type, mime);
    });
  }

  it('link: type urlLink with {title, description, thumbnailUrl, url}', async () => {
    await h.sb.control.sendMessage({ from: friend.nickname, type: 'link', text: 'Big news', url: 'https://example.com/news' });
    const c = await callback('a urlLink callback', (x) => x.fields.type === 'urlLink');
    const link = JSON.parse(c.fields.content!) as Record<string, string>;
    assert.deepEqual(Object.keys(link), ['title', 'description', 'thumbnailUrl', 'url']);
    assert.equal(link.title, 'Big news');
    assert.equal(link.url, 'https://example.com/news');
  });

  it('anything else: type unknown with the readable text', async () => {
    await h.sb.control.sendMessage({ from: friend.nickname, type: 'location', text: '深圳湾公园' });
    const c = await callback('an unknown callback', (x) => x.fields.type === 'unknown' && (x.fields.content ?? '').includes('深圳湾公园'));
    assert.equal(c.fields.isSystemEvent, '0');
  });

  it('quick reply: {success: true, data: [...]} is sent back to the sender in order, then a push-notify callback reports it', async () => {
    const since = (await h.sb.control.sent({})).next;
    await h.sb.control.sendMessage({ from: friend.nickname, text: 'ask' });
    await sentSince(since, (m) => m.text === 'answer two');
    const sent = (await h.sb.control.sent({ since })).messages.filter((m) => m.text.startsWith('answer'));
    assert.deepEqual(
      sent.map((m) => [m.text, m.toName]),
      [
        ['answer one', friend.nickname],
        ['answer two', friend.nickname],
      ],
    );
    const notify = await callback('system_event_push_notify', (x) => x.fields.type === 'system_event_push_notify');
    assert.equal(notify.fields.isSystemEvent, '1');
    const content = JSON.parse(notify.fields.content!) as {
      event: string;
      recvdApiReplyNotify: { success: boolean; message: string; task: { successCount: number; totalCount: number }; status: number };
    };
    assert.equal(content.event, 'notifyOfRecvdApiPushMsg');
    assert.deepEqual(
      {
        ...content.recvdApiReplyNotify,
        task: { successCount: content.recvdApiReplyNotify.task.successCount, totalCount: content.recvdApiReplyNotify.task.totalCount },
      },
      { success: true, message: 'Message sent successfully', task: { successCount: 2, totalCount: 2 }, status: 200 },
    );
  });

  it('quick reply to a group message goes to the group; success other than true sends nothing', async () => {
    const member = room.members.find((m) => m.nickname && m.nickname !== self)!;
    const since = (await h.sb.control.sent({})).next;
    await h.sb.control.sendMessage({ from: member.nickname, room: room.topic, text: 'please ask the group' });
    const m = await sentSince(since, (x) => x.text === 'answer to the group');
    assert.equal(m.toName, room.topic);
    await h.sb.control.sendMessage({ from: friend.nickname, text: 'no thanks' });
    await callback('the declined callback', (x) => x.fields.content === 'no thanks');
    const delivered = await until('its delivery recorded', () =>
      deliveryWith((d, body) => d.status === 'delivered' && d.eventType === 'message.received' && body.includes('no thanks')),
    );
    assert.ok(delivered);
    assert.equal((await h.sb.control.sent({ since })).messages.filter((x) => x.text === 'never sent').length, 0);
  });

  it('friend request: friendship {name, hello}; {success: true} accepts it and data is sent to the new friend', async () => {
    const since = (await h.sb.control.sent({})).next;
    await h.sb.control.friendRequest({ nickname: 'Newcomer Nina', greeting: 'let me in' });
    const c = await callback('a friendship callback', (x) => x.fields.type === 'friendship' && x.fields.content!.includes('let me in'));
    assert.deepEqual(JSON.parse(c.fields.content!), { name: 'Newcomer Nina', hello: 'let me in' });
    assert.deepEqual(c.source, { room: {}, to: {}, from: {} });
    await until('Nina is a friend in the sandbox', async () =>
      (await h.sb.control.state(true)).accounts[0]!.friends.find((f) => f.nickname === 'Newcomer Nina' && f.kind === 'friend'),
    );
    const welcome = await sentSince(since, (m) => m.text === 'welcome aboard');
    assert.equal(welcome.toName, 'Newcomer Nina');

    await h.sb.control.friendRequest({ nickname: 'Stranger Sam', greeting: 'spam' });
    await callback('the second friendship callback', (x) => x.fields.type === 'friendship' && x.fields.content!.includes('spam'));
    await until('its delivery recorded', () =>
      deliveryWith((d, body) => d.eventType === 'friend.request' && d.status === 'delivered' && body.includes('Stranger Sam')),
    );
    const sam = (await h.sb.control.state(true)).accounts[0]!.friends.find((f) => f.nickname === 'Stranger Sam');
    assert.ok(!sam || sam.kind !== 'friend', 'a request answered without success: true stays pending');
  });

  it('retried only when no answer arrived: an HTTP error is final, a dropped connection is tried again', async () => {
    const base = rx.answer;
    let dropped = 0;
    rx.answer = (c, n) => {
      if (c.fields.content === 'answer 500') return { status: 500, body: 'boom' };
      if (c.fields.content === 'drop once' && dropped++ === 0) return 'drop';
      return base(c, n);
    };
    await h.sb.control.sendMessage({ from: friend.nickname, text: 'answer 500' });
    const dead = await until('the 500 delivery dead', () => deliveryWith((d, body) => body.includes('"answer 500"') && d.status === 'dead'));
    assert.equal((await h.server.webhooks.attempts(dead.id)).length, 1, 'one attempt, no retry after an answer');
    await h.sb.control.sendMessage({ from: friend.nickname, text: 'drop once' });
    const done = await until('the dropped delivery retried', () => deliveryWith((d, body) => body.includes('"drop once"') && d.status === 'delivered'), 20_000);
    const attempts = await h.server.webhooks.attempts(done.id);
    assert.equal(attempts.length, 2);
    assert.equal(attempts[0]!.statusCode, undefined);
    assert.equal(attempts[1]!.statusCode, 200);
    assert.equal(rx.got.filter((x) => x.fields.content === 'drop once').length, 1);
  });

  it('logout: system_event_logout once per session, then a login again after the new scan', async () => {
    await h.sb.control.phoneLogout({});
    const c = await callback('system_event_logout', (x) => x.fields.type === 'system_event_logout');
    assert.equal(JSON.parse(c.fields.content!).event, 'logout');
    assert.equal(JSON.parse(c.fields.content!).user.payload.name, h.bot.self!.name);
    await until('logged in again', () => rx.got.filter((x) => x.fields.type === 'system_event_login').length === 2, 30_000);
    assert.equal(rx.got.filter((x) => x.fields.type === 'system_event_logout').length, 1);
  });
});
