import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/index.js';
import { api, login, textMsg, type Login } from './raw.js';
import { waitUntil } from '../../../src/testing/wait.js';

type Msg = Record<string, unknown> & { item_list: Record<string, unknown>[] };

describe('iLink sandbox: getupdates and sendmessage on the wire (ilink.md §4, §6, §8.2)', () => {
  let sb: RunningSandbox;
  let origin: string;
  let me: Login;
  const poll = async (cursor = '', token = me.token): Promise<{ msgs: Msg[]; cursor: string; body: Record<string, unknown> }> => {
    const j = (await api(origin, 'getupdates', token, { get_updates_buf: cursor })).json();
    return { msgs: (j.msgs ?? []) as Msg[], cursor: j.get_updates_buf as string, body: j };
  };
  /** The owner speaks; returns the message as the bot receives it (and the cursor after it). */
  const userSays = async (text: string, cursor = ''): Promise<{ m: Msg; cursor: string }> => {
    await sb.ilink.control.sendMessage({ text, user: me.userId });
    const r = await poll(cursor);
    const m = r.msgs.find((x) => (x.item_list[0]?.text_item as { text: string } | undefined)?.text === text);
    assert.ok(m, `received ${text}`);
    return { m, cursor: r.cursor };
  };
  const send = (text: string, token?: string, clientId?: string): Promise<Record<string, unknown>> =>
    api(origin, 'sendmessage', me.token, textMsg(me.userId, text, token, clientId)).then((r) => (r.text === '' ? { empty: true } : r.json()));
  /**
   * A sandbox of its own whose polls are held for a minute, for tests about what wakes a held poll: with the shared
   * 300 ms hold, a slow machine lets the hold run out before the test acts. `untilHeld(n)` waits for n held polls.
   */
  const withLongHold = async (
    fn: (l: {
      sb: RunningSandbox;
      me: Login;
      poll: (cursor: string) => Promise<{ msgs: Msg[]; cursor: string }>;
      held: () => number;
      untilHeld: (n: number) => Promise<void>;
    }) => Promise<void>,
  ): Promise<void> => {
    const own = await startSandbox({ ilink: { pollHoldMs: 60_000 } });
    try {
      const mine = await login(own.origin, (qrcode) => own.ilink.control.confirm({ qrcode }));
      const held = (): number => [...own.ilink.state.bots.values()].reduce((n, b) => n + b.held.length, 0);
      const pollOwn = async (cursor: string): Promise<{ msgs: Msg[]; cursor: string }> => {
        const j = (await api(own.origin, 'getupdates', mine.token, { get_updates_buf: cursor })).json();
        return { msgs: (j.msgs ?? []) as Msg[], cursor: j.get_updates_buf as string };
      };
      const untilHeld = (n: number): Promise<void> => waitUntil(() => held() === n, 10_000, `${n} held poll(s)`);
      await fn({ sb: own, me: mine, poll: pollOwn, held, untilHeld });
    } finally {
      await own.close();
    }
  };

  before(async () => {
    sb = await startSandbox({ ilink: { pollHoldMs: 300 } });
    origin = sb.origin;
  });
  after(() => sb.close());

  it('an empty poll is held, then answers ret 0, no messages, a new opaque cursor and longpolling_timeout_ms', async () => {
    me = await login(origin, (qrcode) => sb.ilink.control.confirm({ qrcode }));
    const t0 = Date.now();
    const r = await poll('');
    assert.ok(Date.now() - t0 >= 250, 'held about pollHoldMs');
    assert.equal(r.body.ret, 0);
    assert.deepEqual(r.msgs, []);
    assert.ok(r.cursor.length > 0 && Buffer.from(r.cursor, 'base64').length > 0);
    assert.equal(r.body.longpolling_timeout_ms, 35_000);
  });

  it('a held poll answers early when the owner speaks; the message has every field of §5.1', async () => {
    await withLongHold(async (l) => {
      const pending = l.poll('');
      await l.untilHeld(1);
      const { messageId } = await l.sb.ilink.control.sendMessage({ text: 'hello bot', quote: { title: 'Weather', text: 'Sunny' } });
      // The message woke the poll while the control call ran: nothing is held any more, long before the minute is up.
      assert.equal(l.held(), 0, 'answered before the hold ran out');
      const r = await pending;
      const m = r.msgs[0] as Msg;
      assert.equal(String(m.message_id), messageId);
      assert.equal(m.from_user_id, l.me.userId);
      assert.equal(m.to_user_id, l.me.botId);
      assert.equal(m.message_type, 1);
      assert.equal(m.message_state, 2);
      assert.equal(typeof m.seq, 'number');
      assert.equal(typeof m.create_time_ms, 'number');
      assert.equal(typeof m.session_id, 'string');
      assert.equal(typeof m.context_token, 'string');
      assert.deepEqual(m.item_list[0]?.text_item, { text: 'hello bot' });
      assert.deepEqual((m.item_list[0]?.ref_msg as Record<string, unknown>).title, 'Weather');
    });
  });

  it('server-ack: handed-out messages are consumed — an older cursor replays nothing; cursor-replay replays', async () => {
    const a = await userSays('one');
    const again = await poll(a.cursor);
    assert.deepEqual(again.msgs, []);
    await sb.ilink.control.setSwitches({ cursorMode: 'cursor-replay' });
    try {
      const before = (await poll(again.cursor)).cursor;
      await sb.ilink.control.sendMessage({ text: 'two' });
      const r1 = await poll(before);
      assert.equal(r1.msgs.length, 1);
      const r2 = await poll(before);
      assert.equal(r2.msgs.length, 1, 'the older cursor replays');
      assert.deepEqual((await poll(r2.cursor)).msgs, []);
    } finally {
      await sb.ilink.control.setSwitches({ cursorMode: 'server-ack' });
    }
  });

  it('each user message carries a fresh context token and an increasing seq; ids above 2^53 by switch', async () => {
    const a = await userSays('a');
    const b = await userSays('b', a.cursor);
    assert.notEqual(a.m.context_token, b.m.context_token);
    assert.ok((b.m.seq as number) > (a.m.seq as number));
    await sb.ilink.control.setSwitches({ messageIds: 'big' });
    const { messageId } = await sb.ilink.control.sendMessage({ text: 'big' });
    const r = await api(origin, 'getupdates', me.token, { get_updates_buf: b.cursor });
    assert.ok(BigInt(messageId as string) > 2n ** 53n);
    assert.ok(r.text.includes(`"message_id":${messageId as string}`), 'bare digits on the wire');
    await sb.ilink.control.setSwitches({ messageIds: 'safe' });
  });

  it('concurrent polls: both held | the older gets an empty batch | the older gets -14', async () => {
    // Which poll is older is decided by arrival: the newer one is sent only once the older one is held.
    await withLongHold(async (l) => {
      await l.sb.ilink.control.setSwitches({ concurrentPoll: 'older-gets-empty' });
      const older = l.poll('');
      await l.untilHeld(1);
      const newer = l.poll('');
      assert.deepEqual((await older).msgs, []);
      await l.sb.ilink.control.sendMessage({ text: 'release the newer poll' });
      const { cursor } = await newer;
      await l.sb.ilink.control.setSwitches({ concurrentPoll: 'older-gets--14' });
      const o2 = api(l.sb.origin, 'getupdates', l.me.token, { get_updates_buf: cursor });
      await l.untilHeld(1);
      const n2 = l.poll(cursor);
      assert.equal((await o2).json().errcode, -14);
      await l.sb.ilink.control.sendMessage({ text: 'release the second newer poll' });
      await n2;
    });
  });

  it('sendmessage: delivered with {ret:0, errmsg:""}; listed in sent with items and the decision', async () => {
    const { m } = await userSays('ping');
    const since = (await sb.ilink.control.sent()).next;
    assert.deepEqual(await send('pong', m.context_token as string, 'c-1'), { ret: 0, errmsg: '' });
    const { messages } = await sb.ilink.control.sent(since);
    assert.equal(messages.length, 1);
    const e = messages[0]!;
    assert.equal(e.decision, 'delivered');
    assert.equal(e.clientId, 'c-1');
    assert.equal(e.to, me.userId);
    assert.deepEqual(e.items, [{ type: 'text', text: 'pong' }]);
  });

  it('sendmessage rules: -3 for bad shapes, wrong to_user_id, another token; tokenless sends are dropped with an empty 200', async () => {
    const { m } = await userSays('rules');
    const tok = m.context_token as string;
    const invalid = { ret: -3, errmsg: 'invalid arguments' };
    assert.deepEqual(await send('x', tok.slice(0, -2) + 'zz'), invalid, 'unknown token');
    assert.deepEqual((await api(origin, 'sendmessage', me.token, textMsg(me.userId.toLowerCase(), 'x', tok))).json(), invalid, 'case differs');
    await sb.ilink.control.setSwitches({ toUserCase: 'case-insensitive' });
    assert.equal((await api(origin, 'sendmessage', me.token, textMsg(me.userId.toLowerCase(), 'x', tok))).json().ret, 0);
    await sb.ilink.control.setSwitches({ toUserCase: 'exact' });
    const noType = textMsg(me.userId, 'x', tok);
    (noType.msg as Record<string, unknown>).message_type = 1;
    assert.deepEqual((await api(origin, 'sendmessage', me.token, noType)).json(), invalid);
    const weird = textMsg(me.userId, 'x', tok);
    (weird.msg as Record<string, unknown>).item_list = [{ type: 42 }];
    assert.deepEqual((await api(origin, 'sendmessage', me.token, weird)).json(), invalid);
    const since = (await sb.ilink.control.sent()).next;
    assert.deepEqual(await send('no token'), { empty: true });
    const dropped = (await sb.ilink.control.sent(since)).messages[0]!;
    assert.equal(dropped.decision, 'refused');
    assert.equal(dropped.reason, 'no context_token');
    await sb.ilink.control.setSwitches({ missingToken: 'ret-2' });
    assert.deepEqual(await send('no token'), { ret: -2, errmsg: 'prepare failed' });
    await sb.ilink.control.setSwitches({ missingToken: 'empty-200' });
  });

  it('one item per message by switch; client_id reuse: accepted | dropped silently | later sends vanish', async () => {
    const { m } = await userSays('items');
    const tok = m.context_token as string;
    const two = textMsg(me.userId, 'a', tok);
    (two.msg as { item_list: unknown[] }).item_list.push({ type: 1, text_item: { text: 'b' } });
    assert.equal((await api(origin, 'sendmessage', me.token, two)).json().ret, 0);
    await sb.ilink.control.setSwitches({ itemsPerRequest: 'one-only' });
    assert.equal((await api(origin, 'sendmessage', me.token, { msg: { ...(two.msg as object), client_id: 'two-2' } })).json().ret, -3);
    await sb.ilink.control.setSwitches({ itemsPerRequest: 'many-ok', dupClientId: 'silent-drop' });
    let since = (await sb.ilink.control.sent()).next;
    await send('first', tok, 'dup-1');
    assert.deepEqual(await send('again', tok, 'dup-1'), { ret: 0, errmsg: '' });
    let log = (await sb.ilink.control.sent(since)).messages;
    assert.deepEqual(
      log.map((e) => e.decision),
      ['delivered', 'refused'],
    );
    await sb.ilink.control.setSwitches({ dupClientId: 'drop-later-sends' });
    since = (await sb.ilink.control.sent()).next;
    await send('again', tok, 'dup-1');
    await send('fresh', tok, 'fresh-1');
    log = (await sb.ilink.control.sent(since)).messages;
    assert.deepEqual(
      log.map((e) => e.decision),
      ['refused', 'refused'],
    );
    await sb.ilink.control.setSwitches({ dupClientId: 'accept' });
  });

  it('quota: 10 sends per user message, the 11th is -2; a new user message resets it', async () => {
    const { m, cursor } = await userSays('quota');
    for (let i = 0; i < 10; i++) assert.equal((await send(`q${i}`, m.context_token as string)).ret, 0, `send ${i}`);
    assert.deepEqual(await send('q10', m.context_token as string), { ret: -2, errmsg: 'prepare failed' });
    const st = await sb.ilink.control.state();
    assert.equal(st.bots.find((b) => b.id === me.botId)?.window.left, 0);
    const next = await userSays('more', cursor);
    assert.equal((await send('q11', next.m.context_token as string)).ret, 0);
  });

  it('window: after 24 h on the fake clock sends get -2 and are not delivered; the owner speaking reopens it', async () => {
    const { m, cursor } = await userSays('window');
    assert.equal((await send('in time', m.context_token as string)).ret, 0);
    await sb.ilink.control.advanceClock(24 * 3600_000);
    const since = (await sb.ilink.control.sent()).next;
    assert.deepEqual(await send('too late', m.context_token as string), { ret: -2, errmsg: 'prepare failed' });
    const e = (await sb.ilink.control.sent(since)).messages[0]!;
    assert.equal(e.decision, 'refused');
    assert.equal(e.ret, -2);
    assert.equal(e.reason, 'reply window closed');
    const st = await sb.ilink.control.state();
    assert.equal(st.bots.find((b) => b.id === me.botId)?.window.open, false);
    const again = await userSays('back', cursor);
    assert.equal((await send('welcome back', again.m.context_token as string)).ret, 0);
  });

  it('token validity: an older token works within the grace, not after; latest-only refuses it at once', async () => {
    const a = await userSays('t1');
    const b = await userSays('t2', a.cursor);
    assert.equal((await send('old ok', a.m.context_token as string)).ret, 0);
    await sb.ilink.control.advanceClock(10_001);
    assert.equal((await send('old late', a.m.context_token as string)).ret, -3);
    await sb.ilink.control.setSwitches({ tokenValidity: 'any-in-window' });
    assert.equal((await send('old any', a.m.context_token as string)).ret, 0);
    await sb.ilink.control.setSwitches({ tokenValidity: 'latest-only' });
    const c = await userSays('t3', b.cursor);
    assert.equal((await send('prev', b.m.context_token as string)).ret, -3);
    assert.equal((await send('latest', c.m.context_token as string)).ret, 0);
    await sb.ilink.control.setSwitches({ tokenValidity: 'latest-or-grace' });
  });

  it('frequency limiter: -2 "rate limited" past the limit, for the cool-down', async () => {
    const sb2 = await startSandbox({ ilink: { pollHoldMs: 50, rateLimit: { max: 4, perMs: 480_000, cooldownMs: 1_800_000 } } });
    try {
      const l = await login(sb2.origin, (qrcode) => sb2.ilink.control.confirm({ qrcode }));
      await sb2.ilink.control.sendMessage({ text: 'hi' });
      const m = ((await api(sb2.origin, 'getupdates', l.token, { get_updates_buf: '' })).json().msgs as Msg[])[0]!;
      const s = (t: string): Promise<Record<string, unknown>> =>
        api(sb2.origin, 'sendmessage', l.token, textMsg(l.userId, t, m.context_token as string)).then((r) => r.json());
      for (let i = 0; i < 4; i++) assert.equal((await s(`r${i}`)).ret, 0);
      assert.deepEqual(await s('r4'), { ret: -2, errmsg: 'rate limited' });
      await sb2.ilink.control.advanceClock(480_000);
      assert.deepEqual(await s('r5'), { ret: -2, errmsg: 'rate limited' }, 'still cooling down');
      await sb2.ilink.control.advanceClock(1_800_000);
      await sb2.ilink.control.sendMessage({ text: 'hi again' });
      const m2 = ((await api(sb2.origin, 'getupdates', l.token, { get_updates_buf: '' })).json().msgs as Msg[])[0]!;
      assert.equal((await api(sb2.origin, 'sendmessage', l.token, textMsg(l.userId, 'ok', m2.context_token as string))).json().ret, 0);
    } finally {
      await sb2.close();
    }
  });

  it('long text is truncated at 2000 by default, or -2 by switch; success body switches', async () => {
    const { m } = await userSays('long');
    const tok = m.context_token as string;
    const since = (await sb.ilink.control.sent()).next;
    assert.equal((await send('x'.repeat(2500), tok)).ret, 0);
    assert.equal((await sb.ilink.control.sent(since)).messages[0]?.items[0]?.text?.length, 2000);
    await sb.ilink.control.setSwitches({ longText: 'ret-2' });
    assert.equal((await send('y'.repeat(2500), tok)).ret, -2);
    await sb.ilink.control.setSwitches({ longText: 'truncate', sendOkBody: 'empty-object' });
    assert.deepEqual(await send('obj', tok), {});
    await sb.ilink.control.setSwitches({ sendOkBody: 'ret0' });
  });

  it('typing: getconfig gives a ticket, sendtyping 1 shows typing… on the phone until cancelled; a bad ticket is -3', async () => {
    const { m } = await userSays('typing');
    const cfg = (await api(origin, 'getconfig', me.token, { ilink_user_id: me.userId, context_token: m.context_token })).json();
    assert.equal(cfg.ret, 0);
    assert.equal(typeof cfg.typing_ticket, 'string');
    assert.equal((await api(origin, 'getconfig', me.token, { ilink_user_id: 'someone@im.wechat' })).json().ret, -3);
    assert.equal((await api(origin, 'sendtyping', me.token, { ilink_user_id: me.userId, typing_ticket: cfg.typing_ticket, status: 1 })).json().ret, 0);
    const typing = async (): Promise<boolean | undefined> => (await sb.ilink.control.state()).bots.find((b) => b.id === me.botId)?.typing;
    assert.equal(await typing(), true);
    await sb.ilink.control.advanceClock(10_001);
    assert.equal(await typing(), false, 'clears itself after 10 s');
    await api(origin, 'sendtyping', me.token, { ilink_user_id: me.userId, typing_ticket: cfg.typing_ticket, status: 1 });
    await api(origin, 'sendtyping', me.token, { ilink_user_id: me.userId, typing_ticket: cfg.typing_ticket, status: 2 });
    assert.equal(await typing(), false);
    assert.equal((await api(origin, 'sendtyping', me.token, { ilink_user_id: me.userId, typing_ticket: 'bad', status: 1 })).json().ret, -3);
  });

  it('notifystart / notifystop are answered ret 0 and recorded; the phone shows the bot unreachable after stop', async () => {
    assert.deepEqual((await api(origin, 'msg/notifystart', me.token)).json(), { ret: 0, errmsg: '' });
    await poll('');
    let bot = (await sb.ilink.control.state()).bots.find((b) => b.id === me.botId);
    assert.equal(bot?.notify, 'started');
    assert.equal(bot?.reachable, true);
    assert.deepEqual((await api(origin, 'msg/notifystop', me.token)).json(), { ret: 0, errmsg: '' });
    bot = (await sb.ilink.control.state()).bots.find((b) => b.id === me.botId);
    assert.equal(bot?.reachable, false);
    const st = await sb.ilink.control.state();
    assert.equal(st.lastHeaders.appId, 'bot');
    assert.equal(st.lastHeaders.clientVersionDecoded, '2.4.3');
    assert.deepEqual(st.lastHeaders.baseInfo, { channel_version: '2.4.3', bot_agent: 'raw-test/1.0' });
  });

  it('echoBotMessages on: a delivered send comes back as message_type 2', async () => {
    const { m, cursor } = await userSays('echo me');
    await sb.ilink.control.setSwitches({ echoBotMessages: 'on' });
    await send('echoed', m.context_token as string, 'echo-1');
    const r = await poll(cursor);
    await sb.ilink.control.setSwitches({ echoBotMessages: 'off' });
    const copy = r.msgs.find((x) => x.client_id === 'echo-1');
    assert.equal(copy?.message_type, 2);
    assert.equal(copy?.from_user_id, me.botId);
  });
});
