/**
 * The system clock, remembering every sleep and how it ended: it ran out, or it was cut short (aborted). A test shows
 * "answered without sitting out the wait" by an event instead of a stopwatch: no sleep of the wait's length ran out.
 */
import { systemClock, type Clock } from '../../src/util/clock.js';

export interface RecordedSleep {
  ms: number;
  /** undefined while it runs. */
  end?: 'ran-out' | 'cut-short';
}

export class RecordingClock implements Clock {
  readonly sleeps: RecordedSleep[] = [];

  now(): number {
    return systemClock.now();
  }

  random(): number {
    return systemClock.random();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const sleep: RecordedSleep = { ms };
    this.sleeps.push(sleep);
    return systemClock.sleep(ms, signal).then(
      () => void (sleep.end = 'ran-out'),
      (e: unknown) => {
        sleep.end = 'cut-short';
        throw e;
      },
    );
  }

  /** The sleeps of `ms` that ran to their end. */
  ranOut(ms: number): RecordedSleep[] {
    return this.sleeps.filter((s) => s.ms === ms && s.end === 'ran-out');
  }
}
