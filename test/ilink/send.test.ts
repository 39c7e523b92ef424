import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OWNER, TOKEN, userText } from './helpers/scripted-server.js';
import { StepClock, client, savedSession, scriptedSuite } from './helpers/clients.js';
import type { IlinkTransport } from '../../src/ilink/index.js';
import { holdReason } from '../../src/ilink/index.js';
import { isTransportError, type TransportErrorKind } from '../../src/transport/errors.js';
import type { TransportEvents } from '../../src/transport/transport.js';
import { waitUntil } from '../../src/testing/wait.js';

const SEND = 'ilink/bot/sendmessage';
const HOUR = 3_600_000;

function kindOf(kind: TransportErrorKind, pattern?: RegExp) {
  return (e: unknown) => isTransportError(e) && e.kind === kind && (!pattern || pattern.test(e.message));
}

describe('iLink sending: one item per request, context token, window, quota, error codes', () => {
  let clock: StepClock;
  const s = scriptedSuite((server) => {
    server.on(SEND, () => ({ body: { ret: 0, errmsg: '' } }));
  });

  /** A client that has received one message from the owner (window open, quota fresh). */
  async function spokenTo(n = 1): Promise<IlinkTransport> {
    clock = new StepClock();
    const tr = client(s.server, { clock });
    let got = 0;
    tr.on('message', () => got++);
    await tr.start({ session: savedSession(s.server.origin) });
    for (let i = 0; i < n; i++) s.server.push(userText(100 + i, `hi ${i}`));
    await waitUntil(() => got === n, 5000, 'the owner’s message');
    return tr;
  }

  it('sendmessage carries one text item, from "", the raw mixed-case user id, the latest context token, a unique client_id', async () => {
    s.t = await spokenTo(2);
    await s.t.sendText(OWNER.toLowerCase(), 'one');
    await s.t.sendText(OWNER, 'two');
    const [a, b] = s.server.calls(SEND);
    assert.equal(a!.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(a!.body.msg.item_list, [{ type: 1, text_item: { text: 'one' } }]);
    assert.equal(a!.body.msg.from_user_id, '');
    assert.equal(a!.body.msg.to_user_id, OWNER);
    assert.equal(a!.body.msg.message_type, 2);
    assert.equal(a!.body.msg.message_state, 2);
    assert.equal(a!.body.msg.context_token, 'ctx-101');
    assert.ok(a!.body.base_info.channel_version);
    assert.notEqual(a!.body.msg.client_id, b!.body.msg.client_id);
  });

  it('quota: 10 sends per user message; the 11th waits for the user without calling the server; the next message opens 10 more', async () => {
    s.t = await spokenTo();
    for (let i = 0; i < 10; i++) await s.t.sendText(OWNER, `m${i}`);
    await assert.rejects(s.t.sendText(OWNER, 'm10'), (e) => kindOf('waiting-for-user', /10 of 10 sends/)(e) && holdReason(e) === 'quota');
    assert.equal(s.server.calls(SEND).length, 10);
    s.server.push(userText(200, 'again'));
    await waitUntil(() => s.t!.replyState()[0]!.sends === 0, 5000, 'the quota reset');
    await s.t.sendText(OWNER, 'm10');
    assert.equal(s.server.calls(SEND).at(-1)!.body.msg.context_token, 'ctx-200');
  });

  it('window: 25 h after the user’s last message a send waits; no token yet also waits; a stranger is refused', async () => {
    clock = new StepClock();
    s.t = client(s.server, { clock });
    await s.t.start({ session: savedSession(s.server.origin) });
    await assert.rejects(s.t.sendText(OWNER, 'too early'), (e) => holdReason(e) === 'no-token');
    await assert.rejects(s.t.sendText('someone@im.wechat', 'x'), kindOf('rejected', /only write to the user it is bound to/));
    await s.t.stop();
    s.t = await spokenTo();
    clock.time += 25 * HOUR;
    await assert.rejects(s.t.sendText(OWNER, 'late'), (e) => holdReason(e) === 'window-closed' && /25 h/.test((e as Error).message));
    assert.equal(s.server.calls(SEND).length, 0);
  });

  it('error codes: -2 closes the window (waits), -2 "rate limited" is rate-limited, -3 fails with WeChat’s text, an empty 200 is not delivered', async () => {
    s.t = await spokenTo();
    s.server.reply(SEND, { body: { ret: -3, errmsg: 'invalid arguments' } });
    await assert.rejects(s.t.sendText(OWNER, 'a'), kindOf('rejected', /invalid arguments \(ret -3\)/));
    s.server.reply(SEND, { body: '' });
    await assert.rejects(s.t.sendText(OWNER, 'b'), kindOf('not-delivered', /empty body/));
    s.server.reply(SEND, { body: { ret: -2, errmsg: 'rate limited' } });
    await assert.rejects(s.t.sendText(OWNER, 'c'), kindOf('rate-limited'));
    assert.equal(s.t.replyState()[0]!.sends, 0, 'refused sends do not use the quota');
    s.server.reply(SEND, { body: { ret: -2, errmsg: 'prepare failed' } });
    await assert.rejects(s.t.sendText(OWNER, 'd'), (e) => holdReason(e) === 'window-closed' && (e as { code?: number }).code === -2);
    const before = s.server.calls(SEND).length;
    await assert.rejects(s.t.sendText(OWNER, 'e'), (e) => holdReason(e) === 'window-closed');
    assert.equal(s.server.calls(SEND).length, before, 'closed: no call until the user writes');
    // {} and a missing ret are success.
    s.server.push(userText(300, 'back'));
    await waitUntil(() => s.t!.replyState()[0]!.closed === false, 5000, 'the window reopening');
    s.server.reply(SEND, { body: {} });
    assert.match((await s.t.sendText(OWNER, 'f')).id, /^weiroto:/, 'no server id: our client_id');
    s.server.reply(SEND, { body: '{"ret":0,"message_id":12345678901234567891}' });
    assert.equal((await s.t.sendText(OWNER, 'g')).id, '12345678901234567891', 'the server id, every digit');
  });

  it('a network failure is retried with the same body and client_id', async () => {
    s.t = await spokenTo();
    s.server.reply(SEND, { reset: true }, { status: 502, body: '' });
    await s.t.sendText(OWNER, 'retry me');
    const calls = s.server.calls(SEND);
    assert.equal(calls.length, 3);
    assert.equal(new Set(calls.map((c) => c.body.msg.client_id)).size, 1);
    assert.equal(s.t.replyState()[0]!.sends, 1);
  });

  it('long text goes out in pieces of ≤ 2000 characters at paragraph boundaries, one request each, each counted', async () => {
    s.t = await spokenTo();
    const para = (c: string) => c.repeat(1500);
    await s.t.sendText(OWNER, `${para('a')}\n\n${para('b')}\n\n${para('c')}`);
    const texts = s.server.calls(SEND).map((c) => c.body.msg.item_list[0].text_item.text as string);
    assert.deepEqual(texts, [para('a'), para('b'), para('c')]);
    assert.equal(s.t.replyState()[0]!.sends, 3);
    await assert.rejects(s.t.sendText(OWNER, 'x'.repeat(2000 * 11)), kindOf('invalid', /more than the 10 allowed/));
  });

  it('-14 on a send: logout (token-expired) at once, the snapshot is gone, and no later call carries the dead token', async () => {
    s.t = await spokenTo();
    const logouts: TransportEvents['logout'][] = [];
    s.t.on('logout', (l) => logouts.push(l));
    s.server.reply(SEND, { body: { errcode: -14, errmsg: 'session timeout' } });
    await assert.rejects(s.t.sendText(OWNER, 'x'), kindOf('logged-out'));
    assert.equal(logouts.length, 1);
    assert.equal(logouts[0]!.reason, 'token-expired');
    assert.equal(logouts[0]!.code, -14);
    assert.equal(s.t.serialize(), undefined);
    const count = s.server.requests.length;
    await assert.rejects(s.t.sendText(OWNER, 'y'), kindOf('logged-out'));
    await s.t.setTyping(OWNER, true);
    await s.t.stop();
    s.t = undefined;
    const after = s.server.requests.slice(count).filter((r) => r.headers.authorization === `Bearer ${TOKEN}`);
    assert.deepEqual(
      after.map((r) => r.path),
      [],
    );
  });

  it('-14 on getupdates (errcode only, no ret): the loop stops, one logout, nothing more is sent', async () => {
    clock = new StepClock();
    s.t = client(s.server, { clock });
    const logouts: string[] = [];
    s.t.on('logout', (l) => logouts.push(l.reason));
    // Every poll gets -14, not just the first: under load the client may give up on a slow first poll (its own
    // time-out), and a one-shot -14 was then spent on the abandoned request.
    s.server.on('ilink/bot/getupdates', () => ({ body: { errcode: -14, errmsg: 'session timeout' } }));
    try {
      await s.t.start({ session: savedSession(s.server.origin) });
      await waitUntil(() => logouts.length === 1, 5000, 'the logout');
      const n = s.server.requests.length;
      await s.t.stop();
      s.t = undefined;
      assert.equal(s.server.requests.length, n, 'no notifystop and no poll with the dead token');
      assert.deepEqual(logouts, ['token-expired']);
    } finally {
      s.server.on('ilink/bot/getupdates', (_r, raw) => s.server.longPoll(raw));
    }
  });

  it('typing: getconfig once for a ticket, then sendtyping 1 and 2', async () => {
    s.t = await spokenTo();
    s.server.on('ilink/bot/getconfig', () => ({ body: { ret: 0, errmsg: '', typing_ticket: 'dGlj' } }));
    s.server.on('ilink/bot/sendtyping', () => ({ body: { ret: 0 } }));
    await s.t.setTyping(OWNER, true);
    await s.t.setTyping(OWNER, false);
    assert.equal(s.server.calls('ilink/bot/getconfig').length, 1);
    assert.deepEqual(s.server.calls('ilink/bot/getconfig')[0]!.body.ilink_user_id, OWNER);
    assert.equal(s.server.calls('ilink/bot/getconfig')[0]!.body.context_token, 'ctx-100');
    const typing = s.server.calls('ilink/bot/sendtyping').map((r) => [r.body.typing_ticket, r.body.status]);
    assert.deepEqual(typing, [
      ['dGlj', 1],
      ['dGlj', 2],
    ]);
  });

  it('the reply state survives a restart: a scheduled send after restart uses the saved context token', async () => {
    s.t = await spokenTo();
    await s.t.sendText(OWNER, 'one');
    const snap = s.t.serialize()!;
    await s.t.stop();
    s.t = client(s.server, { clock });
    await s.t.start({ session: snap });
    await s.t.sendText(OWNER, 'after restart');
    assert.equal(s.server.calls(SEND).at(-1)!.body.msg.context_token, 'ctx-100');
    assert.equal(s.t.replyState()[0]!.sends, 2);
  });
});
