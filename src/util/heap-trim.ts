/**
 * Memory at rest after start-up. While modules load, V8 grows its young generation to 16–32 MiB and
 * keeps it: it shrinks it only in a collection that runs while little is being allocated (or in
 * its memory reducer's, which start after a full collection). A server that loads its code and then
 * waits for a QR scan may not collect at all for minutes. So once start-up is over, a full collection
 * (a few ms) every few seconds until V8 has given the young generation back (about 15 MiB of RSS),
 * at most a handful of times: the first clears what loading left behind, a later one finds the
 * allocation rate low. Only while the process is at rest, though (see BUSY_SHARE).
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { performance } from 'node:perf_hooks';

type Gc = () => void;

/** V8's `gc`, without starting the process with --expose-gc: exposed for one fresh context only. */
export function v8Gc(): Gc {
  const global = (globalThis as { gc?: Gc }).gc;
  if (global) return global;
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as Gc;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

export interface TrimOptions {
  firstMs: number;
  everyMs: number;
  /** Collections at most. */
  tries: number;
  /** Steps at most, collecting or not: a process that never rests is not watched for ever. */
  steps: number;
}

const YOUNG_AT_REST_BYTES = 2 * 1048576;
/**
 * Above this share of the last step's time spent working, the process is not at rest: no forced collection. A
 * busy process collects on its own, and a forced full collection in the middle of work (an account restored at
 * start-up, its messages already flowing) costs 60–300 ms of pause and throws away optimised code whose maps it
 * finds dead (issue 17: `storeBatch`, `handle`… recompiled twice in every compare burst).
 */
const BUSY_SHARE = 0.1;

function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/** The share of time since its last call that the event loop spent working (0–1). */
export function loopBusyShare(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const share = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return share;
  };
}

/** What the trim reads and does, apart for tests. */
export interface TrimProbes {
  gc: Gc;
  busyShare: () => number;
  youngBytes: () => number;
}

/** @example await startServer(…); trimHeapAfterStart(); */
export function trimHeapAfterStart(o: TrimOptions = { firstMs: 2000, everyMs: 3000, tries: 5, steps: 40 }, probes?: Partial<TrimProbes>): void {
  const gc = probes?.gc ?? v8Gc();
  const busyShare = probes?.busyShare ?? loopBusyShare();
  const youngBytes = probes?.youngBytes ?? youngGenerationBytes;
  let tries = o.tries;
  let steps = o.steps;
  const step = (): void => {
    steps--;
    if (busyShare() <= BUSY_SHARE) {
      gc();
      tries--;
    }
    if (tries > 0 && steps > 0 && youngBytes() > YOUNG_AT_REST_BYTES) setTimeout(step, o.everyMs).unref();
  };
  setTimeout(step, o.firstMs).unref();
}
