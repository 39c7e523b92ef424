// The one back-off helper: the exact schedule under an injected random source, the cap and the
// jitter band (the webhook schedule of docs/webhooks.md is checked in test/api/units.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../src/util/backoff.js';
import { FakeClock } from '../../src/util/clock.js';

describe('backoffDelay', () => {
  const policy = { baseMs: 5000, maxMs: 300_000, jitter: 0.2 };

  it('doubles from the base up to the cap (no jitter at the band centre)', () => {
    const centre = (n: number): number => backoffDelay(n, policy, () => 0.5);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 40, 5000].map(centre), [5000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000, 300_000]);
  });

  it('stays inside the ±jitter band, and at the cap never waits less than cap × (1 − jitter)', () => {
    assert.equal(
      backoffDelay(1, policy, () => 0),
      4000,
    );
    assert.equal(
      backoffDelay(1, policy, () => 0.999999),
      6000,
    );
    assert.equal(
      backoffDelay(9, policy, () => 0),
      240_000,
    );
    const clock = new FakeClock(0, 7);
    for (let n = 1; n < 60; n++) {
      const d = backoffDelay(n, policy, () => clock.random());
      const centre = Math.min(policy.maxMs, policy.baseMs * 2 ** (n - 1));
      assert.ok(d >= centre * 0.8 && d <= centre * 1.2, `${n}: ${d}`);
    }
  });

  it('is the same schedule for the same seed (deterministic under a FakeClock)', () => {
    const run = (seed: number): number[] => {
      const clock = new FakeClock(0, seed);
      return Array.from({ length: 10 }, (_, i) => backoffDelay(i + 1, policy, () => clock.random()));
    };
    assert.deepEqual(run(3), run(3));
    assert.notDeepEqual(run(3), run(4));
  });

  it('without jitter needs no random source; with jitter it refuses to guess one', () => {
    assert.equal(backoffDelay(3, { baseMs: 1000, maxMs: 4000, jitter: 0 }), 4000);
    assert.throws(() => backoffDelay(1, policy), /random source/);
    assert.throws(() => backoffDelay(1, { baseMs: 10, maxMs: 5, jitter: 0 }), RangeError);
    assert.throws(() => backoffDelay(1, { baseMs: 10, maxMs: 50, jitter: 1 }), RangeError);
  });
});
