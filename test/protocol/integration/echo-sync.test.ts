// Issue 17 (CPU): the echoes of the account's own sends come back through webwxsync, and WeChat's
// synccheck answers as soon as the first one waits. The receive loop lets the sends in flight finish
// first (bounded), so their echoes arrive in one sync instead of a sync per send; a message from
// someone else still arrives within the bound while a send hangs.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { FAST, firstFriend, inject, rig, until, type Rig } from './helpers.js';

describe('integration: the echoes of sends in flight', () => {
  let r: Rig | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  /** A rig whose receive loop waits up to `settleMs` for sends in flight, idle in a held synccheck. */
  async function idleRig(settleMs: number): Promise<Rig> {
    const rg = await rig({ rateLimits: false }, { sync: { ...FAST.sync, sendsSettleMaxMs: settleMs } });
    const held = rg.sb.state.counters.synccheckHeld;
    await until(() => rg.sb.state.counters.synccheckHeld > held, 10_000, 'a held synccheck');
    return rg;
  }

  it('come back in ONE sync when they are in flight together, though one answers much later', async () => {
    r = await idleRig(60_000);
    const friend = await firstFriend(r);
    const syncs = r.sb.state.counters.syncs;
    // One of the two sends is answered 300 ms late: the other's echo answers the synccheck long before.
    r.sb.state.faults.push({ kind: 'slow', remaining: 1, endpoint: 'webwxsendmsg', ms: 300 });
    const sent = await Promise.all([r.t.sendText(friend.id, 'first'), r.t.sendText(friend.id, 'second')]);
    await until(() => sent.every((s) => r!.messages.some((m) => m.id === s.id && m.isSelf)), 10_000, 'both echoes');
    assert.equal(r.sb.state.counters.syncs - syncs, 1, 'one sync for both echoes');
  });

  it('a message from a friend arrives within the bound while a send hangs', async () => {
    r = await idleRig(100);
    const friend = await firstFriend(r);
    r.sb.state.faults.push({ kind: 'slow', remaining: 1, endpoint: 'webwxsendmsg', ms: 60_000 });
    let answered = false;
    const hanging = r.t.sendText(friend.id, 'held by WeChat').then(
      () => (answered = true),
      () => (answered = true),
    );
    const m = await inject(r, { from: friend.nickname, text: 'are you there?' });
    assert.equal(m.text, 'are you there?');
    assert.equal(answered, false, 'the send is still in flight');
    await r.close();
    r = undefined;
    await hanging;
  });
});
