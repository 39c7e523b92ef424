/**
 * Memory at rest after start-up. While modules load, V8 grows its young generation to 16–32 MiB and
 * keeps it: it shrinks it only in a collection that runs while little is being allocated (or in
 * its memory reducer's, which start after a full collection). A server that loads its code and then
 * waits for a QR scan may not collect at all for minutes. So once start-up is over, a full collection
 * (a few ms) every few seconds until V8 has given the young generation back (about 15 MiB of RSS),
 * at most a handful of times: the first clears what loading left behind, a later one finds the
 * allocation rate low.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

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
  tries: number;
}

const YOUNG_AT_REST_BYTES = 2 * 1048576;

function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/** @example await startServer(…); trimHeapAfterStart(); */
export function trimHeapAfterStart(o: TrimOptions = { firstMs: 2000, everyMs: 3000, tries: 5 }): void {
  const gc = v8Gc();
  let left = o.tries;
  const step = (): void => {
    gc();
    if (--left > 0 && youngGenerationBytes() > YOUNG_AT_REST_BYTES) setTimeout(step, o.everyMs).unref();
  };
  setTimeout(step, o.firstMs).unref();
}
