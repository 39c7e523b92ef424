// Issue 17 (latency), iLink: after a getupdates that brought messages, the next one waits for the sends in
// flight (bounded), so the replies go first even when one is still on its way (test/ilink/reply-before-poll.test.ts
// has the whole bot, whose reply is written within the turn). Here a scripted server answers sendmessage late.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { userText } from './helpers/scripted-server.js';
import { client, savedSession, scriptedSuite } from './helpers/clients.js';
import { waitUntil } from '../../src/testing/wait.js';

const UPDATES = 'ilink/bot/getupdates';

describe('iLink: the replies before the next getupdates', () => {
  const s = scriptedSuite();

  /** Start a client that answers every message within the turn; the server answers its sends after `answerAfterMs`. */
  async function answering(answerAfterMs: number, sendsSettleMaxMs?: number) {
    // How many getupdates had come when each reply was answered.
    const pollsWhenAnswered: number[] = [];
    s.server.on('ilink/bot/sendmessage', async () => {
      await new Promise((ok) => setTimeout(ok, answerAfterMs).unref());
      pollsWhenAnswered.push(s.server.calls(UPDATES).length);
      return { body: { ret: 0 } };
    });
    const t = (s.t = client(s.server, { tuning: { chunkGapMs: 0, sendRetryMs: 1, ...(sendsSettleMaxMs !== undefined && { sendsSettleMaxMs }) } }));
    t.on('message', (m) => void t.sendText(m.chatId, `re: ${m.text}`).catch(() => undefined));
    await t.start({ session: savedSession(s.server.origin) });
    const polled = (): number => s.server.calls(UPDATES).length;
    return { pollsWhenAnswered, polled };
  }

  it('the getupdates after one that brought a message comes once the reply is answered', async () => {
    const a = await answering(300);
    await waitUntil(() => a.polled() >= 1, 5000, 'the first poll');
    s.server.push(userText(1, 'ping'));
    await waitUntil(() => a.pollsWhenAnswered.length === 1 && s.server.calls(UPDATES).some((r) => r.body.get_updates_buf === 'cur-1'), 5000, 'the reply');
    const brought = s.server.calls(UPDATES).findIndex((r) => r.body.get_updates_buf === 'cur-1');
    // The polls before the first that carries the cursor the message came with: none came after that one until the answer.
    assert.equal(a.pollsWhenAnswered[0], brought, `${a.pollsWhenAnswered[0]! - brought} getupdates came while the reply was on its way`);
  });

  it('a reply slower than sendsSettleMaxMs does not hold receiving', async () => {
    const a = await answering(10_000, 300);
    const got: string[] = [];
    s.t!.on('message', (m) => void got.push(m.text ?? ''));
    await waitUntil(() => a.polled() >= 1, 5000, 'the first poll');
    s.server.push(userText(1, 'ping'));
    await waitUntil(() => s.server.calls('ilink/bot/sendmessage').length === 1, 5000, 'the reply, which hangs');
    s.server.push(userText(2, 'pong'));
    await waitUntil(() => got.includes('pong'), 3000, 'the second message, while the first reply hangs');
  });
});
