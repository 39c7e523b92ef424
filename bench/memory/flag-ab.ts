/**
 * Two settings of weiroto's node flags, A and B, interleaved on the comparison's world (issue 17):
 * each pair runs A then B or B then A (alternating, so the machine's drift hits both alike), on the
 * connection-closing sandbox and on the keep-alive one. Each run is the comparison's run of
 * `weiroto start` (login, 50 single messages, a 2,000-message echo burst); per run and per arm it
 * prints peak RSS (VmHWM), CPU per echo, echoes/s and the load average, then medians and the B − A
 * difference of each pair.
 *
 * Run: node --import tsx bench/memory/flag-ab.ts   (after `npm run build`)
 * Env: AB_A, AB_B (node flags of each arm, e.g. AB_B=--heap-growing-percent=30; default A = none,
 * i.e. `weiroto start` as shipped), BENCH_AB_PAIRS (default 4), BENCH_KEEP_ALIVE=both|0|1,
 * BENCH_AB_WECHAT4U (wechat4u runs per mode for the ratio, default 0), BENCH_QUICK=1.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ClientLauncher, ROOT } from '../compare/clients.js';
import { median, runOnce, type RunResult } from '../compare/measure.js';
import { World } from '../compare/world.js';

const quick = process.env.BENCH_QUICK === '1';
const pairs = Number(process.env.BENCH_AB_PAIRS ?? 4);
const wechat4uRuns = Number(process.env.BENCH_AB_WECHAT4U ?? 0);
const arms = { A: process.env.AB_A ?? '', B: process.env.AB_B ?? '' } as const;
const mode = process.env.BENCH_KEEP_ALIVE ?? 'both';
if (!['both', '0', '1'].includes(mode)) throw new Error(`BENCH_KEEP_ALIVE must be both, 0 or 1, got "${mode}"`);
if (arms.A === arms.B) throw new Error('AB_A and AB_B are the same flags: nothing to compare');
const sizes = {
  contacts: quick ? 500 : 5000,
  rooms: quick ? 30 : 300,
  roomSize: 50,
  burst: quick ? 200 : 2000,
  latencyCount: quick ? 10 : 50,
  latencyGapMs: 25,
  settleMs: 500,
};

const build = spawnSync(process.execPath, [join(ROOT, 'bin/weiroto.js'), 'help'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) process.exit(build.status ?? 1);

const load = (): string => loadavg()[0]!.toFixed(1);
const f1 = (x: number): string => x.toFixed(1);
const f3 = (x: number): string => x.toFixed(3);

interface Arm {
  name: 'A' | 'B';
  runs: RunResult[];
  loads: number[];
}

async function compareMode(keepAlive: boolean): Promise<void> {
  const label = keepAlive ? 'keep-alive sandbox' : 'connection-closing sandbox';
  console.log(`flag-ab: ${label}; A = "${arms.A || '(as shipped)'}", B = "${arms.B}"`);
  const world = await World.start({ ...sizes, syncBatch: 100, holdMs: 25_000, keepAlive });
  const account = world.account(0);
  const launcher = new ClientLauncher(world.tlsPort, world.caCertPath, { friends: world.senders(account).friends.length, rooms: account.rooms.size });
  const result: Record<'A' | 'B', Arm> = { A: { name: 'A', runs: [], loads: [] }, B: { name: 'B', runs: [], loads: [] } };
  const wechat4u: RunResult[] = [];
  const runArm = async (arm: Arm, pair: number): Promise<void> => {
    process.env.BENCH_NODE_ARGS = arms[arm.name];
    const before = load();
    const r = await runOnce(world, launcher, 'weiroto', account, sizes, `ab${pair}${arm.name}${keepAlive ? 'k' : 'c'}`);
    arm.runs.push(r);
    arm.loads.push(loadavg()[0]!);
    console.log(
      `  pair ${pair + 1} ${arm.name}: peak RSS ${f1(r.peakRssMiB)} MiB, ${f3(r.burst.cpuMsPerMsg)} ms CPU/echo, ${r.burst.perSecond.toFixed(0)} echoes/s, ` +
        `latency median ${r.latency.median.toFixed(2)} ms, load ${before} → ${load()}`,
    );
  };
  try {
    for (let i = 0; i < pairs; i++) {
      const order = i % 2 === 0 ? [result.A, result.B] : [result.B, result.A];
      for (const arm of order) await runArm(arm, i);
      if (wechat4u.length < wechat4uRuns && (i + 1) % Math.max(1, Math.floor(pairs / wechat4uRuns)) === 0) {
        delete process.env.BENCH_NODE_ARGS;
        const r = await runOnce(world, launcher, 'wechat4u', account, sizes, `ab${i}w${keepAlive ? 'k' : 'c'}`);
        wechat4u.push(r);
        console.log(`  wechat4u: peak RSS ${f1(r.peakRssMiB)} MiB, ${f3(r.burst.cpuMsPerMsg)} ms CPU/echo, load ${load()}`);
      }
    }
  } finally {
    delete process.env.BENCH_NODE_ARGS;
    launcher.close();
    await world.close();
  }
  const med = (a: Arm, pick: (r: RunResult) => number): number => median(a.runs.map(pick));
  const diffs = (pick: (r: RunResult) => number, digits: number): string =>
    result.A.runs
      .map((a, i) => pick(result.B.runs[i]!) - pick(a))
      .map((d) => (d >= 0 ? '+' : '') + d.toFixed(digits))
      .join(', ');
  console.log(
    `flag-ab summary, ${label}, ${pairs} pairs (load ${Math.min(...result.A.loads, ...result.B.loads).toFixed(1)}–${Math.max(...result.A.loads, ...result.B.loads).toFixed(1)}):`,
  );
  for (const a of [result.A, result.B])
    console.log(
      `  ${a.name} median: peak RSS ${f1(med(a, peakOf))} MiB, ${f3(med(a, cpuOf))} ms CPU/echo, ${med(a, (r) => r.burst.perSecond).toFixed(0)} echoes/s`,
    );
  console.log(`  B − A per pair: peak RSS ${diffs(peakOf, 1)} MiB; CPU/echo ${diffs(cpuOf, 3)} ms`);
  if (wechat4u.length) {
    const w = median(wechat4u.map(peakOf));
    console.log(
      `  wechat4u median peak RSS ${f1(w)} MiB (${wechat4u.length} run(s)): A ${f3(med(result.A, peakOf) / w)} ×, B ${f3(med(result.B, peakOf) / w)} ×`,
    );
  }
}

const peakOf = (r: RunResult): number => r.peakRssMiB;
const cpuOf = (r: RunResult): number => r.burst.cpuMsPerMsg;

if (mode !== '1') await compareMode(false);
if (mode !== '0') await compareMode(true);
