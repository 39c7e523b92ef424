/**
 * The cluster at scale (issue 18): 3 nodes × 300 iLink accounts on one PostgreSQL and one
 * redis-server against one sandbox (in its own process), against the same 900 accounts on one node
 * on SQLite and on one node on PostgreSQL without Redis. Per side: the time until every account is
 * online (restored from its saved session: no QR), RSS per node, idle CPU, echo latency one message
 * at a time and in a burst (one message to each of BURST accounts spread over all nodes), and what a
 * message costs: the nodes' CPU, PostgreSQL's CPU, transactions and rows written, Redis's CPU and
 * commands, each net of the same side's idle rate (lease renewals, long polls) over the window.
 *
 * Phases: the accounts are created on a SQLite node and bound by QR (timed), copied into PostgreSQL
 * with `weiroto migrate-store`, then each side runs in turn (ROUNDS times, interleaved).
 *
 * Run: npm run bench -- cluster-scale (builds first), or `npm run build && node --import tsx bench/cluster/cluster-scale.bench.ts`
 * Env: BENCH_CLUSTER_NODES (3), BENCH_CLUSTER_PER_NODE (300), BENCH_CLUSTER_ROUNDS (1), BENCH_CLUSTER_SEQ (20),
 * BENCH_CLUSTER_BURST (300), BENCH_CLUSTER_IDLE_MS (10000), BENCH_CLUSTER_SIDES (sqlite,postgres,cluster).
 * Needs PostgreSQL and redis-server binaries (Debian's postgresql and redis-server), as the cluster tests.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../../test/helpers/redis.js';
import { createTestDatabase } from '../../test/helpers/postgres.js';
import { median, quantile } from '../compare/measure.js';
import { until } from '../scale/progress.js';
import { SandboxProcess } from '../scale/sandbox-process.js';
import { again } from '../scale/sides.js';
import { RunningSide, type SideName, type SideSetup } from './cluster-sides.js';
import { boundUsers, echoes } from './ilink-traffic.js';
import { bindAccounts, migrateToPostgres } from './bind-accounts.js';
import { storeDelta, storeMeter, type StoreReading } from './store-meter.js';

const num = (name: string, fallback: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!(v > 0)) throw new Error(`${name} must be a positive number`);
  return v;
};
const NODES = num('BENCH_CLUSTER_NODES', 3);
const PER_NODE = num('BENCH_CLUSTER_PER_NODE', 300);
const ROUNDS = num('BENCH_CLUSTER_ROUNDS', 1);
const SEQ = num('BENCH_CLUSTER_SEQ', 20);
const TOTAL = NODES * PER_NODE;
const BURST = Math.min(num('BENCH_CLUSTER_BURST', 300), TOTAL);
const IDLE_MS = num('BENCH_CLUSTER_IDLE_MS', 10_000);
const SIDES = (process.env.BENCH_CLUSTER_SIDES ?? 'sqlite,postgres,cluster').split(',') as SideName[];
for (const s of SIDES)
  if (s !== 'sqlite' && s !== 'postgres' && s !== 'cluster') throw new Error(`BENCH_CLUSTER_SIDES: "${s}" is not sqlite, postgres or cluster`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const load1 = (): number => loadavg()[0]!;
/** Long enough for PostgreSQL's backends to flush their counters (they do about a second after going idle). */
const STATS_SETTLE_MS = 1_500;

interface SideResult {
  side: SideName;
  round: number;
  nodes: number;
  allOnlineMs: number;
  rssMiB: number[];
  idleCpuPercent: number;
  seq: number[];
  burst: number[];
  burstMs: number;
  /** Per message, net of idle: nodes' CPU ms, and the store's figures. */
  nodeCpuMs: number;
  store: StoreReading;
  /** Redis commands per message in the burst's window, idle ones included (lease renewals come in rounds: the net figure is noise). */
  redisCommandsRaw: number;
  /** Redis commands per second while idle (lease and heartbeat renewals). */
  idleRedisPerSecond: number;
  load: number;
}

const started = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-'));
const sqliteDir = join(dir, 'data');
mkdirSync(sqliteDir);
mkdirSync(join(dir, 'tls'));
const sb = await SandboxProcess.start({ accounts: 1, contacts: 1, rooms: 0, roomSize: 3, holdMs: 25_000, ilinkHoldMs: 35_000, tlsDir: join(dir, 'tls') });
const redis = await startRedis();
const databaseUrl = await createTestDatabase();
const setup: SideSetup = { sqliteDir, databaseUrl, redisUrl: redis.url, sandboxOrigin: sb.origin, nodes: NODES };
const meter = await storeMeter(databaseUrl, redis.client);
const sandboxAlive = (): void => {
  if (sb.proc.exitCode !== null || sb.proc.signalCode !== null) throw new Error(`the sandbox died: ${sb.tail()}`);
};
const heldPolls = async (): Promise<number> => (await again(() => sb.ilink.state())).counters.heldPolls ?? 0;

/** Every figure of one side: start, idle, latency one at a time, then the burst with its costs. */
async function measureSide(name: SideName, round: number, users: string[]): Promise<SideResult> {
  const t0 = Date.now();
  const side = await RunningSide.start(name, setup);
  const alive = (): void => (side.alive(), sandboxAlive());
  try {
    await until({ what: `${name}: accounts online`, read: () => side.online(), target: TOTAL, alive, pollMs: 250 }).catch(async (e: unknown) => {
      throw new Error(`${(e as Error).message}; the nodes see: ${await side.states()}`);
    });
    const allOnlineMs = Date.now() - t0;
    console.log(
      `  ${name} round ${round}: ${TOTAL} accounts online in ${(allOnlineMs / 1000).toFixed(1)} s on ${side.nodes.length} node(s) (load ${load1().toFixed(1)})`,
    );
    await until({ what: `${name}: long polls held`, read: heldPolls, target: TOTAL, alive, pollMs: 250 });
    await sleep(3_000); // start-up writes settle

    const idle0 = { store: await meter.read(), cpu: side.cpuMs(), at: Date.now() };
    await sleep(IDLE_MS);
    const idle1 = { store: await meter.read(), cpu: side.cpuMs(), at: Date.now() };
    const idleWall = idle1.at - idle0.at;
    const idleStore = storeDelta(idle0.store, idle1.store);
    const idleCpuPerMs = (idle1.cpu - idle0.cpu) / idleWall;

    const step = TOTAL / SEQ;
    const seq: number[] = [];
    for (let i = 0; i < SEQ; i++) seq.push(...(await echoes(sb.ilink, [users[Math.floor(i * step)]!], `seq ${name} ${round} ${i}`, 1, alive)));

    await sleep(STATS_SETTLE_MS);
    const b0 = { store: await meter.read(), cpu: side.cpuMs(), at: Date.now() };
    const burstUsers = Array.from({ length: BURST }, (_, i) => users[Math.floor((i * TOTAL) / BURST)]!);
    const burst = await echoes(sb.ilink, burstUsers, `burst ${name} ${round}`, 16, alive);
    const burstMs = Date.now() - b0.at;
    await sleep(STATS_SETTLE_MS);
    const b1 = { store: await meter.read(), cpu: side.cpuMs(), at: Date.now() };
    const window = b1.at - b0.at;
    const raw = storeDelta(b0.store, b1.store);
    const store = Object.fromEntries(
      Object.entries(raw).map(([k, v]) => [k, (v - (idleStore[k as keyof StoreReading] / idleWall) * window) / BURST]),
    ) as unknown as StoreReading;
    const result: SideResult = {
      side: name,
      round,
      nodes: side.nodes.length,
      allOnlineMs,
      rssMiB: side.rssMiB(),
      idleCpuPercent: idleCpuPerMs * 100,
      seq,
      burst,
      burstMs,
      nodeCpuMs: (b1.cpu - b0.cpu - idleCpuPerMs * window) / BURST,
      store,
      redisCommandsRaw: raw.redisCommands / BURST,
      idleRedisPerSecond: (idleStore.redisCommands * 1000) / idleWall,
      load: load1(),
    };
    console.log(`  ${name} round ${round}: ${row(result).join(' | ')}`);
    return result;
  } finally {
    await side.stop(`round${round}`);
  }
}

const HEAD = [
  'side',
  'nodes',
  'all online (s)',
  'RSS per node (MiB)',
  'idle CPU (% of a core, all nodes)',
  'latency 1 at a time p50/p90 (ms)',
  `burst of ${BURST}: p50/p90 (ms), wall (s)`,
  'nodes CPU ms/msg',
  'PG CPU ms/msg',
  'PG xacts/msg',
  'PG rows written/msg',
  'Redis CPU ms/msg',
  'Redis cmds/msg (window, idle included)',
  'Redis cmds/s idle',
  'load',
];

function row(r: SideResult): string[] {
  const f = (v: number, d = 1): string => v.toFixed(d);
  const pg = r.side !== 'sqlite';
  const rd = r.side === 'cluster';
  return [
    `${r.side} (round ${r.round})`,
    String(r.nodes),
    f(r.allOnlineMs / 1000),
    r.rssMiB.map((m) => m.toFixed(0)).join(' / '),
    f(r.idleCpuPercent),
    `${f(median(r.seq), 0)} / ${f(quantile(r.seq, 0.9), 0)}`,
    `${f(median(r.burst), 0)} / ${f(quantile(r.burst, 0.9), 0)}, ${f(r.burstMs / 1000)}`,
    f(r.nodeCpuMs, 2),
    pg ? f(r.store.pgCpuMs, 2) : '-',
    pg ? f(r.store.pgXacts) : '-',
    pg ? f(r.store.pgRowsWritten) : '-',
    rd ? f(r.store.redisCpuMs, 3) : '-',
    rd ? f(r.redisCommandsRaw) : '-',
    rd ? f(r.idleRedisPerSecond) : '-',
    f(r.load),
  ];
}

try {
  console.log(`cluster scale: ${TOTAL} iLink accounts (${NODES} nodes × ${PER_NODE}); sides ${SIDES.join(', ')}; ${ROUNDS} round(s)`);
  const loginMs = await bindAccounts(setup, sb, TOTAL, sandboxAlive);
  console.log(`  login: ${TOTAL} accounts bound by QR and online on one SQLite node in ${(loginMs / 1000).toFixed(1)} s (load ${load1().toFixed(1)})`);
  migrateToPostgres(setup);
  const users = await boundUsers(sb.ilink);
  if (users.length < TOTAL) throw new Error(`only ${users.length} iLink users are bound to a bot`);
  const results: SideResult[] = [];
  for (let round = 1; round <= ROUNDS; round++) for (const side of SIDES) results.push(await measureSide(side, round, users));

  console.log('');
  console.log(`| ${HEAD.join(' | ')} |`);
  console.log(`|${HEAD.map(() => '---').join('|')}|`);
  for (const r of results) console.log(`| ${row(r).join(' | ')} |`);
  console.log(`\ncluster scale: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  await meter.close();
  await redis.stop();
  await sb.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
