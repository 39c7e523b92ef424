/**
 * Many accounts in one weiroto process (issue 17 point 4): 1,000 web accounts of 500 contacts, then
 * 1,000 iLink accounts, each against one sandbox in its own process. Prints every figure with the
 * load average, PASS/MISS per target, and rewrites README's scale block (full sizes only).
 *
 * Run: npm run bench -- scale   (builds first; or node --import tsx bench/scale.bench.ts after `npm run build`)
 * Env: BENCH_SCALE_ACCOUNTS (default 1000), BENCH_SCALE_TRANSPORTS (default web,ilink),
 * BENCH_SCALE_IDLE_MS (the settled idle span, default 120000), BENCH_QUICK=1 (20 accounts, README untouched), BENCH_README=0,
 * BENCH_SCALE_RESTORE=0 (no restart), BENCH_SCALE_NODE_ARGS (node flags for the weiroto process),
 * BENCH_SCALE_PARTIAL_AFTER=<s> (logins stalled that long: measure the idle span with the accounts online),
 * LOGIN_CONCURRENCY (default 10), BENCH_CPU_PROF=<dir> (CPU profile of the weiroto process over the idle span),
 * BENCH_TRACE_GC=1 (--trace-gc; each second of the idle span with its CPU and collections),
 * BENCH_HEAP_SNAPSHOT=<dir> (heap snapshot of the weiroto process after the idle span).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './compare/clients.js';
import { replaceScale, scaleConsoleReport, scaleReadme } from './scale/report.js';
import { runScale, type ScaleResult } from './scale/run.js';
import type { ScaleTransport } from './scale/sides.js';

const quick = process.env.BENCH_QUICK === '1';
const accounts = Number(process.env.BENCH_SCALE_ACCOUNTS ?? (quick ? 20 : 1000));
const transports = (process.env.BENCH_SCALE_TRANSPORTS ?? 'web,ilink').split(',').filter(Boolean);
for (const t of transports) if (t !== 'web' && t !== 'ilink') throw new Error(`BENCH_SCALE_TRANSPORTS: "${t}" is not web or ilink`);
if (!(accounts > 0)) throw new Error('BENCH_SCALE_ACCOUNTS must be a positive number');
// The settled idle span the target reads, after a first span from the moment every poll is held
// (why two, and why 120 s: the idle phase in bench/scale/run.ts).
const idleMs = Number(process.env.BENCH_SCALE_IDLE_MS ?? (quick ? 5_000 : 120_000));
const firstIdleMs = quick ? 5_000 : 30_000;
const loginConcurrency = Number(process.env.LOGIN_CONCURRENCY ?? 10);

const started = Date.now();
const results: ScaleResult[] = [];
for (const transport of transports as ScaleTransport[]) {
  console.log(`scale: ${accounts} ${transport} accounts in one weiroto process…`);
  results.push(
    await runScale({
      transport,
      accounts,
      contacts: 500,
      rooms: 10,
      roomSize: 20,
      holdMs: 25_000,
      ilinkHoldMs: 35_000,
      idleMs,
      firstIdleMs,
      latencyCount: quick ? 5 : 20,
      loginConcurrency,
      log: (l) => console.log(l),
    }),
  );
}
console.log('');
console.log(scaleConsoleReport(results));
if (!quick && accounts >= 1000 && transports.length === 2 && process.env.BENCH_README !== '0') {
  const path = join(ROOT, 'README.md');
  writeFileSync(path, replaceScale(readFileSync(path, 'utf8'), scaleReadme(results)));
  console.log('\nREADME.md scale block updated.');
}
console.log(`scale: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
