/**
 * How far V8 lets its old generation grow past what is alive before the next full collection
 * (issue 17). Left to itself, V8 picks a factor of up to 4 while the program is busy: in an echo
 * burst, whose short-lived objects outlive two scavenges and are promoted, the old space of a
 * server holding 24 MiB reached 52 MiB before it was collected. A fixed factor of 1.3
 * (`--heap-growing-percent`, which V8 reads at each full collection, so it can be set at run time)
 * keeps the old space near 1.3 × what is alive; the full collections it adds mark a small heap.
 * A flag given on the command line or in NODE_OPTIONS is the operator's choice and wins.
 */
import { setFlagsFromString } from 'node:v8';
import { flagGivenByOperator } from './node-flags.js';

/**
 * 1.3. With the young-generation ceiling, 50 took the memory benchmark's burst peak RSS from 157 to 124
 * MiB (old space 52 → 31 MiB). 30 instead of 50, interleaved on the comparison's world (bench/memory/flag-ab.ts,
 * 4 pairs per sandbox mode, load 15–23): peak RSS lower in every pair on the connection-closing sandbox
 * (−0.1, −2.3, −2.5, −3.5 MiB), within the noise on the keep-alive one (+1.5, +0.6, −2.6, −3.6), client
 * CPU per echo within the noise in both (median +0.04 and −0.04 ms of 2.4 and 1.2 ms).
 */
export const OLD_GENERATION_GROWTH_PERCENT = 30;

/** @example limitOldGenerationGrowth(); // in `weiroto start`, before the server loads */
export function limitOldGenerationGrowth(percent = OLD_GENERATION_GROWTH_PERCENT): void {
  if (flagGivenByOperator(['heap-growing-percent'], process.execArgv, process.env.NODE_OPTIONS)) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
