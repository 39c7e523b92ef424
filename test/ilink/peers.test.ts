/**
 * The reply window per user (src/ilink/peers.ts) when the client cannot yet tell a copy from a new message: only a
 * message newer than the one whose token is held opens the window, restarts the quota and lifts a refusal.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Peers } from '../../src/ilink/peers.js';

const USER = 'o9cq80Xk2LmP@im.wechat';
const DAY = 24 * 3_600_000;
const T = 1_790_000_000_000;

/** Peers whose user wrote at T (token "t1"), got 3 sends, then a -2: closed. */
function refused(): { peers: Peers; now: { at: number } } {
  const now = { at: T };
  const peers = new Peers({ windowMs: DAY, quotaPerMessage: 10 }, () => now.at);
  peers.onInbound(USER, 't1', T, T);
  peers.reserve(USER, 3);
  peers.close(USER);
  now.at = T + 60_000;
  return { peers, now };
}

describe('Peers: a message no newer than the held token leaves the window as it was', () => {
  it('a copy of the last message (same time, same token) does not lift a refusal, restart the quota or move the window', () => {
    const { peers, now } = refused();
    const opened = peers.onInbound(USER, 't1', now.at, T);
    assert.deepEqual({ ...peers.get(USER)! }, { id: USER, contextToken: 't1', tokenAt: T, lastInboundAt: T, sends: 3, closed: true });
    assert.throws(() => peers.reserve(USER, 1), /WeChat refused|closed/);
    // The store then says it was a copy: nothing to undo, and nothing lost.
    peers.undoInbound(peers.get(USER), opened);
    assert.deepEqual({ ...peers.get(USER)! }, { id: USER, contextToken: 't1', tokenAt: T, lastInboundAt: T, sends: 3, closed: true });
  });

  it('an older message come late neither opens the window nor takes the place of the newer token', () => {
    const { peers, now } = refused();
    peers.onInbound(USER, 't0', now.at, T - 5_000);
    assert.deepEqual({ ...peers.get(USER)! }, { id: USER, contextToken: 't1', tokenAt: T, lastInboundAt: T, sends: 3, closed: true });
  });

  it('a new message opens it: sent later, or in the same millisecond with a new token, or without a send time', () => {
    for (const [token, sentAt] of [
      ['t2', T + 30_000],
      ['t2', T],
      ['t2', undefined],
    ] as const) {
      const { peers, now } = refused();
      peers.onInbound(USER, token, now.at, sentAt);
      assert.deepEqual({ ...peers.get(USER)! }, { id: USER, contextToken: token, tokenAt: sentAt ?? now.at, lastInboundAt: now.at, sends: 0, closed: false });
      assert.equal(peers.reserve(USER, 1).contextToken, token);
    }
  });
});
