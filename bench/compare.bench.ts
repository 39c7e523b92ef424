/**
 * weiroto vs wechat4u vs a raw client, side by side on one sandbox (issue 9): login→ready, a burst
 * of echoes, single-message latency, peak RSS (many accounts in one process: bench/scale.bench.ts).
 * Prints a table with ratios and PASS/MISS per target, and rewrites README's Performance table.
 *
 * Run: node --import tsx bench/compare.bench.ts   (after `npm run build`; `npm run bench` does both)
 * Env: BENCH_RUNS (default 3), BENCH_QUICK=1 (small sizes, README untouched), BENCH_CLIENTS=raw,weiroto
 * BENCH_README=0 (do not write README), BENCH_SINGLES=<n> (single messages per run, default 200, 10 with
 * BENCH_QUICK; e.g. BENCH_QUICK=1 BENCH_SINGLES=200 for many short latency runs), BENCH_WARMUP=<n> (an unmeasured
 * burst of n echoes first: the steady cost, JIT warm), BENCH_BURST_PROF=<dir> (a CPU profile of each client's echo
 * burst alone, or with BENCH_PROF_PHASE=singles of its single messages; bench/compare/profile-table.ts reads them),
 * BENCH_CLIENT_STDOUT=<dir> (each client's stdout copied to <dir>, with lines marking the warm-up and the burst: for
 * BENCH_NODE_ARGS="--trace-opt --trace-deopt"), BENCH_ECHO_PATH=<file> with BENCH_NODE_ARGS="--require bench/compare/echo-path.cjs"
 * (each client's CPU and wall time on a single message's path, from the answers it got to the requests it wrote:
 * bench/compare/echo-path-table.ts), BENCH_STAGES=1 (each client's single-message latency split by stage
 * on the sandbox's clock, private and group apart: bench/compare/stages.ts), BENCH_KEEP_ALIVE=both|0|1
 * (default both: once against the connection-closing sandbox, as WeChat behaves, then once with the
 * sandbox's keep-alive switch on, where the clients' own cost per message shows).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENTS, ROOT, type ClientName } from './compare/clients.js';
import { consoleReport, readmeSection, replacePerf } from './compare/report.js';
import { runCompare, type CompareOptions, type CompareResult } from './compare/run.js';

const quick = process.env.BENCH_QUICK === '1';
const runs = Number(process.env.BENCH_RUNS ?? (quick ? 1 : 3));
const singles = Number(process.env.BENCH_SINGLES ?? (quick ? 10 : 200));
if (!Number.isInteger(singles) || singles < 1) throw new Error(`BENCH_SINGLES must be a whole number of messages ≥ 1, got "${process.env.BENCH_SINGLES}"`);
if (!['burst', 'singles', undefined].includes(process.env.BENCH_PROF_PHASE))
  throw new Error(`BENCH_PROF_PHASE must be burst or singles, got "${process.env.BENCH_PROF_PHASE}"`);
const clients = (process.env.BENCH_CLIENTS?.split(',').filter(Boolean) as ClientName[] | undefined) ?? CLIENTS;

// Make sure dist/ is current: `weiroto start` would otherwise build inside the first measured run.
const build = spawnSync(process.execPath, [join(ROOT, 'bin/weiroto.js'), 'help'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) process.exit(build.status ?? 1);

const options: CompareOptions = {
  contacts: quick ? 500 : 5000,
  rooms: quick ? 30 : 300,
  roomSize: 50,
  syncBatch: 100,
  // 25 s like WeChat. Messages answer a held synccheck at once, so the hold never adds latency;
  // it only decides how often an idle client polls.
  holdMs: 25_000,
  burst: quick ? 200 : 2000,
  // 200 single messages a run: the median then moves by tenths of a millisecond between runs, not by whole ones.
  latencyCount: singles,
  latencyGapMs: 25,
  settleMs: 500,
  warmup: Number(process.env.BENCH_WARMUP ?? 0),
  runs,
  clients,
  log: (l) => console.log(l),
};

const keepAliveMode = process.env.BENCH_KEEP_ALIVE ?? 'both';
if (!['both', '0', '1'].includes(keepAliveMode)) throw new Error(`BENCH_KEEP_ALIVE must be both, 0 or 1, got "${keepAliveMode}"`);

if (options.warmup) console.log(`compare: each measured burst follows an unmeasured one of ${options.warmup} echoes (BENCH_WARMUP)`);
const started = Date.now();
let result: CompareResult | undefined;
let keepAlive: CompareResult | undefined;
if (keepAliveMode !== '1') {
  console.log('compare: the sandbox closes every JSON connection (as WeChat does)');
  result = await runCompare(options);
  console.log('');
  console.log(consoleReport(result));
}
if (keepAliveMode !== '0') {
  console.log('\ncompare: the sandbox keeps connections alive (--keep-alive)');
  keepAlive = await runCompare({ ...options, keepAlive: true });
  console.log('');
  console.log(consoleReport(keepAlive));
}
const full = !quick && runs >= 3 && clients.length === CLIENTS.length && result !== undefined;
if (full && result && process.env.BENCH_README !== '0') {
  const path = join(ROOT, 'README.md');
  writeFileSync(path, replacePerf(readFileSync(path, 'utf8'), readmeSection(result, keepAlive)));
  console.log('\nREADME.md Performance section updated.');
}
console.log(`compare: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
