/** Run a job at most once per interval, with one trailing run for calls in between. */
import type { Clock } from '../util/clock.js';

/**
 * The first call runs `fn` at once; calls within `ms` after it run it once more when the interval
 * is over. An aborted `signal` (read at each call) drops the trailing run.
 *
 * @example const save = throttle(() => saveSession(), 1000, clock, () => abort.signal); save(); save(); // 2 runs
 */
export function throttle(fn: () => void, ms: number, clock: Clock, signal: () => AbortSignal | undefined): () => void {
  let last = -Infinity;
  let pending = false;
  const run = (): void => {
    last = clock.now();
    fn();
  };
  return () => {
    if (pending) return;
    const wait = last + ms - clock.now();
    if (wait <= 0) return run();
    pending = true;
    clock.sleep(wait, signal()).then(
      () => {
        pending = false;
        run();
      },
      () => {
        pending = false;
      },
    );
  };
}
