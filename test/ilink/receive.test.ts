import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OWNER, TOKEN, userText } from './helpers/scripted-server.js';
import { ScriptedServer } from './helpers/scripted-server.js';
import { StepClock, client, savedSession, scriptedSuite } from './helpers/clients.js';
import { memorySeenStore, type IlinkTransport } from '../../src/ilink/index.js';
import type { Message } from '../../src/transport/model.js';
import { waitUntil } from '../../src/testing/wait.js';

const UPDATES = 'ilink/bot/getupdates';

describe('iLink receiving: getupdates loop, cursor, dedupe, restore', () => {
  const s = scriptedSuite();

  function collect(tr: IlinkTransport): Message[] {
    const got: Message[] = [];
    tr.on('message', (m) => got.push(m));
    return got;
  }

  it('a restored session polls with its saved cursor and token, no QR; messages come out as domain messages', async () => {
    s.t = client(s.server);
    const got = collect(s.t);
    await s.t.start({ session: savedSession(s.server.origin, { cursor: 'saved-cursor' }) });
    assert.equal(s.server.calls('ilink/bot/get_bot_qrcode').length, 0);
    s.server.push(userText(1, 'hello'));
    await waitUntil(() => got.length === 1, 5000, 'the message');
    const first = s.server.calls(UPDATES)[0]!;
    assert.equal(first.body.get_updates_buf, 'saved-cursor');
    assert.equal(first.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(
      { id: got[0]!.id, type: got[0]!.type, text: got[0]!.text, chatId: got[0]!.chatId, isSelf: got[0]!.isSelf },
      { id: '7182640001', type: 'text', text: 'hello', chatId: OWNER, isSelf: false },
    );
    // The next poll carries the new cursor; an empty cursor in an answer never replaces it.
    await waitUntil(() => s.server.calls(UPDATES).length >= 3, 5000, 'two more polls');
    const cursors = s.server.calls(UPDATES).map((r) => r.body.get_updates_buf as string);
    assert.equal(cursors[1], 'cur-1');
    assert.equal(cursors[2], 'cur-1');
    assert.equal(s.t.serialize()!.cursor, 'cur-1');
  });

  it('exactly once: same id again, a new id with the same seq, an id-less replay with the same text and time — and after a restart with the same store', async () => {
    const seen = memorySeenStore();
    // What stores the messages (the bot) remembers their keys with them.
    const stored = (tr: IlinkTransport): Message[] => {
      const got = collect(tr);
      tr.on('message', (m) => {
        const d = tr.deliveryKeys(m);
        if (d) void seen.remember(d.keys, d.at);
      });
      return got;
    };
    s.t = client(s.server, { seen });
    const got = stored(s.t);
    await s.t.start({ session: savedSession(s.server.origin) });
    const m = userText(5, 'once');
    s.server.push(m, m);
    s.server.push({ ...m, message_id: 999 });
    s.server.push({ ...m, message_id: undefined, seq: undefined, item_list: [{ type: 1, text_item: { text: 'once' }, ref_msg: { title: 'x' } }] });
    s.server.push(userText(6, 'twice'));
    await waitUntil(() => got.length === 2, 5000, 'two distinct messages');
    await waitUntil(() => s.server.calls(UPDATES).length >= 6, 5000, 'all batches read');
    assert.deepEqual(
      got.map((g) => g.text),
      ['once', 'twice'],
    );
    const snap = s.t.serialize()!;
    await s.t.stop();
    // Restart: the s.server (at least once) hands the same message out again.
    s.t = client(s.server, { seen });
    const again = stored(s.t);
    await s.t.start({ session: snap });
    s.server.push(userText(6, 'twice'), userText(7, 'new'));
    await waitUntil(() => again.length === 1, 5000, 'the new message');
    assert.equal(again[0]!.text, 'new');
  });

  it('ids beyond 2^53 are kept exactly', async () => {
    s.t = client(s.server);
    const got = collect(s.t);
    await s.t.start({ session: savedSession(s.server.origin) });
    s.server.on(UPDATES, () => ({
      body: `{"ret":0,"msgs":[{"seq":9,"message_id":12345678901234567891,"from_user_id":"${OWNER}","message_type":1,"context_token":"c","item_list":[{"type":1,"text_item":{"text":"big"}}]}],"get_updates_buf":"b"}`,
    }));
    try {
      await waitUntil(() => got.length >= 1, 5000, 'the big-id message');
      assert.equal(got[0]!.id, '12345678901234567891');
    } finally {
      await s.t.stop();
      s.t = undefined;
      s.server.on(UPDATES, (_r, raw) => s.server.longPoll(raw));
    }
  });

  it('back-off: 2 s after a failure, 30 s after three in a row; a timed-out poll is normal and asks again at once with the same cursor', async () => {
    const fresh = await new ScriptedServer().start();
    const clock = new StepClock();
    try {
      // The failures are answered under a poll timeout no test outlives, so a slow answer is never mistaken for a
      // timeout; the success then names a 1 ms long poll (longpolling_timeout_ms), and the polls that hang after it
      // time out whenever their timer fires: the same outcome at any load. The 524 closes its connection, so the reset
      // comes on a new one and is a failure (a reset of a reused kept-alive socket is sent again: stale-socket.test.ts).
      fresh.reply(
        UPDATES,
        { status: 500, body: 'oops' },
        { body: '<garbage' },
        { status: 524, body: '', headers: { connection: 'close' } },
        { reset: true },
        { body: { ret: 1, errmsg: 'busy' } },
        { body: { ret: 0, msgs: [], get_updates_buf: 'c1', longpolling_timeout_ms: 1 } },
        { hang: true },
      );
      fresh.on(UPDATES, () => new Promise(() => {}));
      s.t = client(fresh, { clock, tuning: { pollTimeoutMs: 3_600_000, pollMarginMs: 0 } });
      await s.t.start({ session: savedSession(fresh.origin) });
      await waitUntil(() => fresh.calls(UPDATES).length >= 8, 10_000, 'eight polls');
      assert.deepEqual(clock.sleeps.slice(0, 5), [2000, 2000, 30000, 2000, 2000]);
      assert.equal(clock.sleeps.length, 5, 'no pause after a success or a timeout');
      const cursors = fresh.calls(UPDATES).map((r) => r.body.get_updates_buf as string);
      assert.deepEqual(cursors.slice(5, 8), ['', 'c1', 'c1']);
    } finally {
      await s.t?.stop();
      s.t = undefined;
      await fresh.close();
    }
  });

  it('notifystart before the first poll, notifystop on stop', async () => {
    s.t = client(s.server);
    await s.t.start({ session: savedSession(s.server.origin) });
    await waitUntil(() => s.server.calls(UPDATES).length >= 1, 5000, 'a poll');
    const paths = s.server.requests.map((r) => r.path);
    assert.equal(paths[0], 'ilink/bot/msg/notifystart');
    await s.t.stop();
    s.t = undefined;
    assert.equal(s.server.requests.at(-1)!.path, 'ilink/bot/msg/notifystop');
    assert.deepEqual(Object.keys(s.server.requests.at(-1)!.body), ['base_info']);
  });

  it('voice carries WeChat transcript as text; image/file/video become media messages; bot echoes are dropped', async () => {
    s.t = client(s.server);
    const got = collect(s.t);
    await s.t.start({ session: savedSession(s.server.origin) });
    const media = { encrypt_query_param: 'EQ', aes_key: 'ABEiM0RVZneImaq7zN3u/w==', encrypt_type: 1 };
    s.server.push(
      userText(20, '', { item_list: [{ type: 3, voice_item: { media, encode_type: 6, playtime: 3400, text: 'remind me at five' } }] }),
      userText(21, '', { item_list: [{ type: 2, image_item: { media, mid_size: 16 } }] }),
      userText(22, '', { item_list: [{ type: 4, file_item: { media, file_name: 'a.txt', len: '12' } }] }),
      userText(23, '', { item_list: [{ type: 5, video_item: { media } }] }),
      userText(24, 'echo of ours', { message_type: 2 }),
    );
    await waitUntil(() => got.length === 4, 5000, 'four messages');
    assert.deepEqual(
      got.map((g) => [g.type, g.text]),
      [
        ['voice', 'remind me at five'],
        ['image', '[image]'],
        ['file', 'a.txt'],
        ['video', '[video]'],
      ],
    );
    assert.equal(got[0]!.media?.durationMs, 3400);
    assert.equal(got[2]!.media?.fileSize, 12);
  });
});
