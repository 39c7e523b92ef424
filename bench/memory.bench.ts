/**
 * Memory of `weiroto start` (issue 17 point 3): the built dist in its own process (NODE_ENV=production,
 * SQLite on, BOT_PLUGINS=echo) against the sandbox in TLS mode, like the comparison benchmark. Heap
 * and RSS with the QR shown, 15 s later still before login (at rest), when ready, and at the peak of an
 * echo burst. Heap comes
 * from inside the process (bench/memory/probe.cjs, asked by SIGUSR2), RSS from the probe and /proc.
 * The target (RSS before login ≤ 70 MiB) is checked on the figure at rest.
 *
 * Run: node --import tsx bench/memory.bench.ts   (after `npm run build`; `npm run bench -- memory` does both)
 * Env: BENCH_RUNS (default 3), BENCH_QUICK=1 (500 contacts, 30 groups, burst of 200),
 * BENCH_HEAP_SNAPSHOT=<dir> (a heap snapshot at each sample, memory-<n>.heapsnapshot: 1 QR shown, 2 before
 * login, 3 ready, 4 after the burst; writing one costs RSS, so the figures of such a run are not figures), with
 * BENCH_HEAP_SNAPSHOT_ABOVE=<MiB>: one more in the burst once the heap in use passes that (memory-burst.heapsnapshot)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ClientLauncher, ROOT, type RunningClient } from './compare/clients.js';
import { echoedBurst, median, settledCpu } from './compare/measure.js';
import { memoryMiB } from './compare/proc.js';
import { World } from './compare/world.js';

const quick = process.env.BENCH_QUICK === '1';
const runs = Number(process.env.BENCH_RUNS ?? 3);
const size = { contacts: quick ? 500 : 5000, rooms: quick ? 30 : 300, roomSize: 50, burst: quick ? 200 : 2000 };
const PROBE = join(ROOT, 'bench/memory/probe.cjs');
/** How long the server waits for its scan before "before login" is measured (a person takes longer to scan). */
const REST_MS = 15_000;
const snapshotDir = process.env.BENCH_HEAP_SNAPSHOT;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Sample {
  heapUsedMiB: number;
  rssMiB: number;
  peakHeapUsedMiB: number;
  peakRssMiB: number;
  /** Where the RSS is: V8's committed spaces, external memory, anonymous vs file-backed pages. */
  detail: string;
}
interface RunFigures {
  /** Right after the QR is shown (start-up just over). */
  qrShown: Sample;
  /** The same, REST_MS later: what a server waiting for its scan holds. */
  beforeLogin: Sample;
  ready: Sample;
  burst: Sample;
  /** VmHWM: the highest RSS of the process's whole life, read by the kernel. */
  vmHwmMiB: number;
}

// Make sure dist/ is current: `weiroto start` would otherwise build inside the first measured run.
const build = spawnSync(process.execPath, [join(ROOT, 'bin/weiroto.js'), 'help'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) process.exit(build.status ?? 1);

let asked = 0;
/** Ask the probe for a sample once the process has been quiet for a moment (no start-up work in flight). */
async function sample(client: RunningClient): Promise<Sample> {
  await settledCpu(client.child.pid, 250, 10_000);
  const seq = ++asked;
  const reply = client.child.waitFor('the probe\u2019s memory line', (e) => e.event === 'memory' && e.seq === seq, 10_000);
  const snapshot = snapshotDir ? client.child.waitFor('the heap snapshot', (e) => e.event === 'snapshot' && e.seq === seq, 120_000) : undefined;
  client.child.proc.kill('SIGUSR2');
  const e = await reply;
  await snapshot;
  const spaces = e.spacesMiB as Record<string, number>;
  const n = (x: unknown): string => Number(x).toFixed(1);
  const detail =
    `heap committed ${n(e.heapTotalMiB)} (new ${n(spaces.new_space)} old ${n(spaces.old_space)} code ${n(spaces.code_space)} large ${n(spaces.large_object_space)}), ` +
    `external ${n(e.externalMiB)} (array buffers ${n(e.arrayBuffersMiB)}), RSS anon ${n(e.RssAnonMiB)} file ${n(e.RssFileMiB)}`;
  return { heapUsedMiB: Number(e.heapUsedMiB), rssMiB: Number(e.rssMiB), peakHeapUsedMiB: Number(e.peakHeapUsedMiB), peakRssMiB: Number(e.peakRssMiB), detail };
}

const world = await World.start({ contacts: size.contacts, rooms: size.rooms, roomSize: size.roomSize, syncBatch: 100, holdMs: 25_000 });
const account = world.account(0);
const launcher = new ClientLauncher(world.tlsPort, world.caCertPath, { friends: world.senders(account).friends.length, rooms: account.rooms.size });
const results: RunFigures[] = [];
try {
  for (let i = 0; i < runs; i++) {
    asked = 0;
    const client = launcher.launch(
      'weiroto',
      ['--require', PROBE],
      snapshotDir ? { HEAP_SNAPSHOT_DIR: snapshotDir, HEAP_SNAPSHOT_ABOVE_MIB: process.env.BENCH_HEAP_SNAPSHOT_ABOVE ?? '' } : {},
    );
    try {
      const uuid = await world.nextQr(120_000);
      const qrShown = await sample(client);
      await sleep(REST_MS);
      const beforeLogin = await sample(client);
      await world.login(uuid, account);
      await client.ready(120_000);
      const ready = await sample(client);
      await echoedBurst(world, account, `m${i}`, size.burst);
      const burst = await sample(client);
      const vmHwmMiB = memoryMiB(client.child.pid).peak;
      results.push({ qrShown, beforeLogin, ready, burst, vmHwmMiB });
      const f = (x: number): string => x.toFixed(1);
      console.log(
        `  run ${i + 1}: QR shown heap ${f(qrShown.heapUsedMiB)} RSS ${f(qrShown.rssMiB)}; before login heap ${f(beforeLogin.heapUsedMiB)} RSS ${f(beforeLogin.rssMiB)}; ready heap ${f(ready.heapUsedMiB)} RSS ${f(ready.rssMiB)}; ` +
          `burst peak heap ${f(burst.peakHeapUsedMiB)} RSS ${f(burst.peakRssMiB)} (VmHWM ${f(vmHwmMiB)}) MiB`,
      );
      for (const [what, x] of [
        ['QR shown', qrShown],
        ['before login', beforeLogin],
        ['ready', ready],
        ['after the burst', burst],
      ] as const)
        console.log(`    ${what}: ${x.detail}`);
    } finally {
      await client.stop();
      await world.logout(account);
    }
  }
} finally {
  launcher.close();
  await world.close();
}

const med = (pick: (r: RunFigures) => number): string => median(results.map(pick)).toFixed(1);
console.log(
  `memory: weiroto start (dist, NODE_ENV=production, SQLite on, BOT_PLUGINS=echo), ${size.contacts} contacts, ${size.rooms} groups of ${size.roomSize}, ` +
    `echo burst of ${size.burst}; medians of ${results.length} run(s), MiB`,
);
console.log(`  QR shown                 heap ${med((r) => r.qrShown.heapUsedMiB)}  RSS ${med((r) => r.qrShown.rssMiB)}`);
console.log(`  before login, ${REST_MS / 1000} s later  heap ${med((r) => r.beforeLogin.heapUsedMiB)}  RSS ${med((r) => r.beforeLogin.rssMiB)}`);
console.log(`  ready                    heap ${med((r) => r.ready.heapUsedMiB)}  RSS ${med((r) => r.ready.rssMiB)}`);
console.log(`  echo burst peak          heap ${med((r) => r.burst.peakHeapUsedMiB)}  RSS ${med((r) => r.burst.peakRssMiB)}  (VmHWM ${med((r) => r.vmHwmMiB)})`);
console.log(`  target: RSS before login (at rest) \u2264 70 MiB: ${median(results.map((r) => r.beforeLogin.rssMiB)) <= 70 ? 'PASS' : 'MISS'}`);
