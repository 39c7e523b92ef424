/**
 * SIGTERM of a cluster node running many accounts (issue 18): one `weiroto start` node on PostgreSQL
 * and Redis runs BENCH_LEAVE_ACCOUNTS iLink accounts (restored from their sessions, every long poll
 * held as the real server holds it, 35 s), then gets SIGTERM. It must hand every account over (stop,
 * persist, release) within the 10 s shutdown limit; an account it did not release moves only when its
 * lease expires (15 s). Per round: how long until the node exited (and its exit code: 1 when it hit
 * the limit), how many accounts it handed over (its log: `cluster: handed the account over`) and how
 * many leases were still held when it exited, when the last release came, the longest stop and release
 * of one account, and where the stops' time went (the slowest account's mark for each step of the stop,
 * each from the stop's start: sends in flight answered, queue stopped, transport stopped, session saved,
 * login ended).
 *
 * Run: npm run build && node --import tsx bench/cluster/leave.bench.ts
 * Env: BENCH_LEAVE_ACCOUNTS (300), BENCH_LEAVE_ROUNDS (3), BENCH_LEAVE_SETTLE_MS (3000: from every poll held to the signal). Needs PostgreSQL and redis-server, as the cluster tests.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../../test/helpers/redis.js';
import { createTestDatabase } from '../../test/helpers/postgres.js';
import { clusterKeys } from '../../src/cluster/index.js';
import { until } from '../scale/progress.js';
import { SandboxProcess } from '../scale/sandbox-process.js';
import { again } from '../scale/sides.js';
import { RunningSide, type SideSetup } from './cluster-sides.js';
import type { StopTimes } from '../../src/accounts/index.js';
import { bindAccounts, migrateToPostgres } from './bind-accounts.js';

const ACCOUNTS = Number(process.env.BENCH_LEAVE_ACCOUNTS ?? 300);
const ROUNDS = Number(process.env.BENCH_LEAVE_ROUNDS ?? 3);
/** From every long poll held to the signal: a node that has just taken its accounts still loads their queues behind its store line. */
const SETTLE_MS = Number(process.env.BENCH_LEAVE_SETTLE_MS ?? 3_000);
const load1 = (): string => loadavg()[0]!.toFixed(1);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'bench-leave-'));
const sqliteDir = join(dir, 'data');
mkdirSync(sqliteDir);
mkdirSync(join(dir, 'tls'));
const sb = await SandboxProcess.start({ accounts: 1, contacts: 1, rooms: 0, roomSize: 3, holdMs: 25_000, ilinkHoldMs: 35_000, tlsDir: join(dir, 'tls') });
const redis = await startRedis();
const setup: SideSetup = { sqliteDir, databaseUrl: await createTestDatabase(), redisUrl: redis.url, sandboxOrigin: sb.origin, nodes: 1 };
const sandboxAlive = (): void => {
  if (sb.proc.exitCode !== null || sb.proc.signalCode !== null) throw new Error(`the sandbox died: ${sb.tail()}`);
};

interface Handed {
  time: number;
  stopMs: number;
  releaseMs: number;
  stop?: StopTimes;
}

/** One round: start the node, wait until every account is online and polling, SIGTERM it; the figures. */
async function round(n: number): Promise<string> {
  const side = await RunningSide.start('cluster', setup);
  const node = side.nodes[0]!;
  const alive = (): void => (side.alive(), sandboxAlive());
  await until({ what: 'accounts online', read: () => side.online(), target: ACCOUNTS, alive, pollMs: 250 });
  await until({
    what: 'long polls held',
    read: async () => (await again(() => sb.ilink.state())).counters.heldPolls ?? 0,
    target: ACCOUNTS,
    alive,
    pollMs: 250,
  });
  await sleep(SETTLE_MS);
  const load = load1();
  const ids = (await redis.client.keys(clusterKeys.lease('*'))).length;
  const signalAt = Date.now();
  node.stopping = true;
  node.proc.child.kill('SIGTERM');
  const [code] = await node.proc.exited;
  const exitMs = Date.now() - signalAt;
  const held = (await redis.client.keys(clusterKeys.lease('*'))).length;
  // The node's log, for where the time went (each account's stop, the session saves).
  writeFileSync(join(tmpdir(), `weiroto-bench-leave-${n}.log`), node.proc.out() + node.proc.err());
  const handed: Handed[] = node.proc
    .out()
    .split('\n')
    .filter((l) => l.includes('"msg":"cluster: handed the account over"'))
    .map((l) => JSON.parse(l) as Handed);
  const max = (v: number[]): number => (v.length ? Math.max(...v) : NaN);
  const steps = (['sendsMs', 'queueMs', 'transportMs', 'savedMs', 'loginMs'] as const).map((k) => max(handed.flatMap((h) => (h.stop ? [h.stop[k]] : []))));
  return (
    `| ${n} | ${ids} | ${exitMs} | ${String(code)} | ${handed.length} | ${held} | ${max(handed.map((h) => h.time - signalAt))} | ` +
    `${max(handed.map((h) => h.stopMs))} | ${steps.join(' / ')} | ${max(handed.map((h) => h.releaseMs))} | ${load} |`
  );
}

try {
  console.log(`leave: ${ACCOUNTS} iLink accounts on one cluster node, SIGTERM, ${ROUNDS} round(s)`);
  const bindMs = await bindAccounts(setup, sb, ACCOUNTS, sandboxAlive);
  console.log(`  ${ACCOUNTS} accounts bound on a SQLite node in ${(bindMs / 1000).toFixed(1)} s (load ${load1()})`);
  migrateToPostgres(setup);
  const rows: string[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    rows.push(await round(i));
    console.log(`  ${rows.at(-1)}`);
  }
  console.log(
    '\n| round | leases held | exited after (ms) | exit code | handed over | leases left at exit | last release after signal (ms) | stop max (ms) | ' +
      'stop steps max: sends / queue / transport / saved / login (ms) | release max (ms) | load |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
} finally {
  await redis.stop();
  await sb.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
