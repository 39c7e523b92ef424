// Issue 17 (latency): after a sync that brought messages, the receive loop lets the replies they set going
// finish before its next synccheck (bounded), as a client that answers before it polls again does. On
// WeChat, which closes every JSON connection, a reply must connect first while the synccheck's connection
// stays open: a poll issued at once went out before it (reply-before-poll.test.ts has the whole bot). Here
// the real web client runs against a scripted server whose webwxsendmsg answers late, which stands for a
// reply still on its way; the server notes when each request came and when the reply was answered.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { happyRoutes, json, OK, rawMsg, syncBody } from './helpers/fake-wechat.js';
import { sessionPerTest } from './helpers/session-per-test.js';
import { waitUntil as until } from '../../src/testing/wait.js';
import { FAST } from '../helpers/fast.js';

const sessions = sessionPerTest();

/** A scripted account: `say` queues a message for the next synccheck; the times (performance.now()) of what came. */
async function account(o: { replyAnsweredAfterMs: number; sendsSettleMaxMs?: number }) {
  const routes = happyRoutes();
  let waiting: Record<string, unknown>[] = [];
  let n = 0;
  const came = { synccheck: [] as number[], sync: [] as number[], reply: [] as number[], replyAnswered: [] as number[] };
  routes.synccheck = () => {
    came.synccheck.push(performance.now());
    return waiting.length ? { body: 'window.synccheck={retcode:"0",selector:"2"}' } : { body: 'window.synccheck={retcode:"0",selector:"0"}', delayMs: 30 };
  };
  routes.webwxsync = () => {
    const msgs = waiting;
    waiting = [];
    if (msgs.length) came.sync.push(performance.now());
    return syncBody(msgs, 300 + n);
  };
  routes.webwxsendmsg = async () => {
    came.reply.push(performance.now());
    await new Promise((ok) => setTimeout(ok, o.replyAnsweredAfterMs).unref());
    came.replyAnswered.push(performance.now());
    return json({ BaseResponse: OK, MsgID: `9000000000000000${++n}`, LocalID: String(n) });
  };
  const { transport: t } = await sessions.open(routes, {
    ...FAST,
    sync: { ...FAST.sync, ...(o.sendsSettleMaxMs !== undefined && { sendsSettleMaxMs: o.sendsSettleMaxMs }) },
  });
  // The bot's part: each message is answered within the turn that brought it.
  t.on('message', (m) => {
    if (!m.isSelf) t.sendText(m.chatId, `re: ${m.text}`).catch(() => undefined);
  });
  await t.start();
  return {
    came,
    say(text: string): void {
      waiting.push(rawMsg(`70000000000000000${++n}`, '@alice', text));
    },
  };
}

describe('runSyncLoop: the replies before the next synccheck', () => {
  it('the synccheck after a sync that brought a message comes once the reply it set going is answered', async () => {
    const a = await account({ replyAnsweredAfterMs: 300 });
    a.say('ping');
    await until(() => a.came.replyAnswered.length === 1 && a.came.synccheck.some((at) => at > a.came.sync[0]!), 5000, 'the reply and the next poll');
    const poll = a.came.synccheck.find((at) => at > a.came.sync[0]!)!;
    assert.ok(poll >= a.came.replyAnswered[0]!, `the next synccheck came ${(a.came.replyAnswered[0]! - poll).toFixed(0)} ms before the reply was answered`);
  });

  it('a reply slower than sendsSettleMaxMs does not hold receiving: before and after the synccheck, the loop waits that long in all', async () => {
    const a = await account({ replyAnsweredAfterMs: 10_000, sendsSettleMaxMs: 600 });
    a.say('first');
    await until(() => a.came.reply.length === 1, 5000, 'the reply to the first message');
    // Someone else writes while the reply hangs: the poll comes after the bound, and its sync at once (nothing left to wait).
    a.say('second');
    await until(() => a.came.sync.length === 2, 5000, 'the sync that brings the second message');
    const poll = a.came.synccheck.find((at) => at > a.came.sync[0]!)!;
    const waited = poll - a.came.sync[0]!;
    assert.ok(waited >= 500, `the poll waited for the reply (${waited.toFixed(0)} ms)`);
    assert.ok(waited < 3000, `the poll was held ${waited.toFixed(0)} ms by a reply that takes 10 s`);
    const syncAfter = a.came.sync[1]! - poll;
    assert.ok(syncAfter < 300, `the sync came ${syncAfter.toFixed(0)} ms after its synccheck: the loop waited for the reply twice`);
  });
});
