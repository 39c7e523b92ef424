/**
 * The forced collections after start-up (src/util/heap-trim.ts) run only while the process rests: one in the
 * middle of work paused a compare burst for up to 310 ms and threw away the optimised message path (issue 17).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loopBusyShare, trimHeapAfterStart } from '../../src/util/heap-trim.js';

const FAST = { firstMs: 1, everyMs: 1 };
const BIG_YOUNG = (): number => 16 * 1048576;

/** Run the trim with a scripted busy share per step; resolves with the collections made once the steps are spent. */
async function collections(shares: number[], tries: number): Promise<number> {
  let gcs = 0;
  let step = 0;
  let resolve = (): void => {};
  const spent = new Promise<void>((r) => (resolve = r));
  trimHeapAfterStart(
    { ...FAST, tries, steps: shares.length },
    {
      gc: () => gcs++,
      youngBytes: BIG_YOUNG,
      busyShare: () => {
        const share = shares[step++]!;
        if (step === shares.length) resolve();
        return share;
      },
    },
  );
  await Promise.race([spent, sleep(500)]);
  await sleep(20); // nothing after the last step
  assert.ok(step <= shares.length, `${step} steps, at most ${shares.length}`);
  return gcs;
}

describe('heap trim after start-up', () => {
  it('collects while the process rests, at most `tries` times', async () => {
    assert.equal(await collections([0, 0, 0, 0, 0], 3), 3);
  });

  it('does not collect while the process works, and stops watching after `steps`', async () => {
    assert.equal(await collections([0.9, 0.5, 0.95, 0.3], 3), 0);
  });

  it('collects once the work is over', async () => {
    assert.equal(await collections([0.9, 0.8, 0.02, 0.9, 0], 5), 2);
  });

  it('measures the event loop: a blocked loop is busy, a waiting one is not', async () => {
    const share = loopBusyShare();
    const until = performance.now() + 100;
    while (performance.now() < until);
    const busy = share();
    assert.ok(busy > 0.9, `blocked: ${busy}`);
    // The test runner's own work right after (its report of the tests before) is not waiting: it falls in a span
    // read and set aside, so the span the test reads holds only the wait (one read that took that work in gave
    // 0.22 at load 24). A share counted since the first call instead of since the last reads about 100 / 500 here.
    await sleep(100);
    share();
    await sleep(300);
    const resting = share();
    assert.ok(resting < 0.1, `waiting: ${resting}`);
  });
});
