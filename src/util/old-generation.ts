/**
 * How far V8 lets its old generation grow past what is alive before the next full collection
 * (issue 17). Left to itself, V8 picks a factor of up to 4 while the program is busy: in an echo
 * burst, whose short-lived objects outlive two scavenges and are promoted, the old space of a
 * server holding 24 MiB reached 52 MiB before it was collected. A fixed factor of 1.5
 * (`--heap-growing-percent`, which V8 reads at each full collection, so it can be set at run time)
 * keeps the old space near 1.5 × what is alive; the full collections it adds mark a small heap.
 * A flag given on the command line or in NODE_OPTIONS is the operator's choice and wins.
 */
import { setFlagsFromString } from 'node:v8';
import { flagGivenByOperator } from './node-flags.js';

/**
 * 1.5. With the young-generation ceiling, 50 took the memory benchmark's burst peak RSS from 157 to 124 MiB (old space
 * 52 → 31 MiB). 30 was tried then (bench/memory/flag-ab.ts: peak RSS a few MiB lower, CPU within the noise) and kept
 * until stop 31, when the GC trace of the keep-alive burst (--trace-gc-nvp, main thread and V8's helper threads) showed
 * what it cost: two full collections in every burst, a heap of about 25 MiB marked twice, 105–264 ms of helper CPU,
 * more than all the scavenges. With 50, one (3 interleaved runs: the burst's GC 231–400 → 163–243 ms; peak RSS 104–105
 * → 105–108 MiB).
 */
export const OLD_GENERATION_GROWTH_PERCENT = 50;

/** @example limitOldGenerationGrowth(); // in `weiroto start`, before the server loads */
export function limitOldGenerationGrowth(percent = OLD_GENERATION_GROWTH_PERCENT): void {
  if (flagGivenByOperator(['heap-growing-percent'], process.execArgv, process.env.NODE_OPTIONS)) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
