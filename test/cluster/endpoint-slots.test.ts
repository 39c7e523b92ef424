// The cluster's webhook slots per endpoint on a real redis-server: a slot lives while its node renews it, so a node
// that died frees its slots a lease's time later (not after the longest delivery), and one a live node never gives
// back frees itself after `maxMs`. Time is a FakeClock's: the slots' scores are its times.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { endpointSlots } from '../../src/cluster/endpoint-slots.js';
import { clusterKeys } from '../../src/cluster/keys.js';
import { FakeClock } from '../../src/util/clock.js';
import { waitUntil } from '../../src/testing/wait.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

const TTL = 3000;
/** In the future: a slot's expiry is also its key's (PEXPIREAT), which a time in 1970 would end at once. */
const T0 = 4_000_000_000_000;

describe('webhook endpoint slots', () => {
  let redis: RedisServer;
  before(async () => (redis = await startRedis()));
  after(() => redis.stop());

  /** Move the clock by `ms` a third of a lease at a time, each renewal stored before the next (the loop parked again). */
  async function advance(clock: FakeClock, ms: number): Promise<void> {
    for (let left = ms; left > 0; left -= TTL / 3) {
      await clock.advance(Math.min(TTL / 3, left));
      await waitUntil(() => clock.pending === 1, 5000, 'the renewal stored and the next one waiting');
    }
  }

  it("is renewed while its node lives and frees a lease's time after its node stopped", async (t) => {
    const clock = new FakeClock(T0);
    const dying = new Redis(redis.url);
    t.after(() => dying.disconnect());
    const a = endpointSlots(dying, { ttlMs: TTL, maxMs: 30_000, clock });
    const b = endpointSlots(redis.client, { ttlMs: TTL, maxMs: 30_000, clock });
    const token = await a.acquire('ep-1', 1);
    assert.ok(token);
    assert.equal(Number(await redis.client.zscore(clusterKeys.webhookSlots('ep-1'), token)), T0 + TTL);
    await advance(clock, 2 * TTL);
    assert.equal(Number(await redis.client.zscore(clusterKeys.webhookSlots('ep-1'), token)), T0 + 3 * TTL, 'renewed at each third');
    assert.equal(await b.acquire('ep-1', 1), undefined, 'two leases in, the one slot is still held');

    // The node dies (nothing of it reaches Redis any more): its slot lapses a lease after its last renewal.
    dying.disconnect();
    await clock.advance(TTL - 1);
    assert.equal(await b.acquire('ep-1', 1), undefined, 'held until its last renewal runs out');
    await clock.advance(1);
    assert.ok(await b.acquire('ep-1', 1), "the dead node's slot is free a lease after it stopped");
  });

  it('is renewed for maxMs at most, and stops renewing once given back', async () => {
    const clock = new FakeClock(T0);
    const a = endpointSlots(redis.client, { ttlMs: TTL, maxMs: 2 * TTL, clock });
    const b = endpointSlots(redis.client, { ttlMs: TTL, maxMs: 2 * TTL, clock });
    const kept = await a.acquire('ep-2', 1);
    assert.ok(kept);
    // Renewed at T0 + 1, 2, 3, 4, 5 s; no longer at T0 + 6 s: it expires at T0 + 8 s.
    await advance(clock, 2 * TTL);
    assert.equal(Number(await redis.client.zscore(clusterKeys.webhookSlots('ep-2'), kept)), T0 + 5000 + TTL);
    await clock.advance(TTL - 1000);
    const next = await b.acquire('ep-2', 1);
    assert.ok(next, 'a slot never given back frees itself');
    await b.release('ep-2', next);
    assert.equal(clock.pending, 1, "only a's loop waits: b's stopped with its last slot");
  });
});
