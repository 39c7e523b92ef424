/**
 * Time and randomness behind one small injectable helper, so loops, back-off and pacing can be
 * tested with a fake clock (design.md: no hidden timers).
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolve after `ms`, or reject with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A number in [0, 1). */
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * A manual clock for tests: time moves only through `advance()`, which runs due sleepers in order.
 *
 * @example
 *   const clock = new FakeClock(0);
 *   const p = clock.sleep(1000);
 *   await clock.advance(1000); // p resolves
 */
export class FakeClock implements Clock {
  private sleepers: { at: number; resolve: () => void; seq: number }[] = [];
  private seq = 0;
  private rand: () => number;

  constructor(
    private time = 0,
    seed = 1,
  ) {
    this.rand = mulberry32(seed);
  }

  now(): number {
    return this.time;
  }

  random(): number {
    return this.rand();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry = { at: this.time + Math.max(0, ms), resolve, seq: this.seq++ };
      this.sleepers.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== entry);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Number of pending sleepers (useful to wait until a loop is parked). */
  get pending(): number {
    return this.sleepers.length;
  }

  /**
   * Work that waits on real I/O (a store on PostgreSQL answers over a socket) is not done within the few turns
   * `advance` lets run: a test whose code does such work sets here how to wait until it is, and `advance` awaits it
   * before each wake-up and at the end, so that a sleeper that work registers next is not skipped over.
   */
  settle: (() => Promise<void>) | undefined;

  /** Move time forward by `ms`, waking sleepers in time order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await this.letRun();
      this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.sleepers[0];
      if (!next || next.at > target) break;
      this.sleepers.shift();
      this.time = next.at;
      next.resolve();
    }
    this.time = target;
    await this.letRun();
  }

  private async letRun(): Promise<void> {
    await flushMicrotasks();
    if (this.settle) await this.settle();
  }
}

/**
 * Let the work that a step set going run: promise jobs, and a few turns of `setImmediate`, on which
 * the store's group commit resolves its writes (a send, say, awaits one COMMIT before its call and
 * one after).
 */
async function flushMicrotasks(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) {
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await new Promise<void>((r) => setImmediate(r));
  }
}

/** A small seedable PRNG (for reproducible tests and sandbox worlds). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
