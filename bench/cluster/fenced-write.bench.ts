/**
 * What the cluster's fencing costs per message: one `weiroto start` node on PostgreSQL, with and
 * without REDIS_URL (with it, every write about the account runs in a transaction that reads the
 * account's fence first, and every send asks Redis whether the lease is still ours). The runs are
 * interleaved (A, B, A, B …) since this machine's load changes all the time.
 *
 * Each message: the sandbox injects a text from a friend, echo answers it; latency is from the
 * injection to the sandbox accepting the answer, one message at a time. CPU is the node process's
 * user + system time over the run (/proc/<pid>/stat), per message.
 *
 * Run: node --import tsx bench/cluster/fenced-write.bench.ts [messages per run] [runs per side]
 * (needs PostgreSQL and redis-server binaries, as the cluster tests: Debian's postgresql and redis-server)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../src/sandbox/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { startRedis } from '../../test/helpers/redis.js';
import { createTestDatabase } from '../../test/helpers/postgres.js';
import { accountsOn, startNode, type ClusterEnv, type ClusterNode } from '../../test/cluster/helpers/nodes.js';

const N = Number(process.argv[2] ?? 200);
const RUNS = Number(process.argv[3] ?? 3);
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU of a process so far, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

const sb = await startSandbox({ holdMs: 25_000, contacts: 5, rooms: 0, rateLimits: false });
const redis = await startRedis();
const dataDir = mkdtempSync(join(tmpdir(), 'weiroto-fence-bench-'));
const env: ClusterEnv = { dataDir, databaseUrl: await createTestDatabase(), redisUrl: redis.url, sandboxOrigin: sb.origin, leaseTtlMs: 15_000 };
const friend = (await sb.control.state(true)).accounts[0]!.friends.find((f) => f.kind === 'friend')!.nickname;

/** Start a node (fenced: with REDIS_URL) and wait until the account runs on it, restored from its stored session. */
async function nodeWith(fenced: boolean, account?: string): Promise<{ node: ClusterNode; account: string }> {
  // Without REDIS_URL the node runs every enabled account itself; startNode always passes one, so it is blanked here.
  const node = await startNode(fenced ? 'fenced' : 'plain', fenced ? env : { ...env, redisUrl: '' });
  let id = account;
  if (id === undefined) {
    // The first run is without REDIS_URL: `weiroto start` creates a first account and shows its QR.
    await waitUntil(async () => (id = (await accountsOn(node))[0]?.id) !== undefined, 60_000, 'the first account');
    const qr = await waitForQr();
    await sb.control.scan({ uuid: qr });
    await sb.control.confirm({ uuid: qr });
  }
  await waitUntil(async () => (await accountsOn(node)).some((a) => a.id === id && a.state === 'online'), 120_000, 'the account online').catch((e: unknown) => {
    throw new Error(`${(e as Error).message}; the node said: ${node.proc.out().slice(-2000)} ${node.proc.err().slice(-2000)}`);
  });
  return { node, account: id! };
}

async function waitForQr(): Promise<string> {
  let uuid: string | undefined;
  await waitUntil(async () => (uuid = (await sb.control.state()).qrcodes.find((q) => q.status === 'waiting')?.uuid) !== undefined, 60_000, 'a QR');
  return uuid!;
}

async function stop(node: ClusterNode): Promise<void> {
  node.proc.child.kill('SIGTERM');
  await node.proc.exited;
}

/** N messages one at a time through the node: latencies (ms) and the node's CPU per message. */
async function measure(node: ClusterNode, count: number): Promise<{ latencies: number[]; cpuPerMessage: number }> {
  const pid = node.proc.child.pid!;
  const latencies: number[] = [];
  const cpu0 = cpuMs(pid);
  for (let i = 0; i < count; i++) {
    const before = sb.state.counters.sent;
    const t0 = performance.now();
    await sb.control.sendMessage({ from: friend, text: `bench ${i}` });
    await waitUntil(() => sb.state.counters.sent > before, 60_000, `the answer to message ${i}`);
    latencies.push(performance.now() - t0);
  }
  return { latencies, cpuPerMessage: (cpuMs(pid) - cpu0) / count };
}

const pct = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor((p / 100) * v.length))]!;
const results = { plain: { latencies: [] as number[], cpu: [] as number[] }, fenced: { latencies: [] as number[], cpu: [] as number[] } };
let account: string | undefined;
try {
  for (let run = 0; run < RUNS; run++) {
    for (const fenced of [false, true]) {
      const started = await nodeWith(fenced, account);
      account = started.account;
      // A few messages warm the caches (prepared statements, the pool's connections) before the measured ones.
      await measure(started.node, 5);
      const m = await measure(started.node, N);
      const side = fenced ? results.fenced : results.plain;
      side.latencies.push(...m.latencies);
      side.cpu.push(m.cpuPerMessage);
      console.log(
        `run ${run + 1} ${fenced ? 'with REDIS_URL (fenced)' : 'without REDIS_URL'}: latency p50 ${pct(m.latencies, 50).toFixed(1)} ms, p90 ${pct(m.latencies, 90).toFixed(1)} ms; CPU ${m.cpuPerMessage.toFixed(2)} ms/message (load ${loadavg()[0]!.toFixed(1)})`,
      );
      await stop(started.node);
    }
  }
  const line = (name: string, r: { latencies: number[]; cpu: number[] }) =>
    `${name}: latency p50 ${pct(r.latencies, 50).toFixed(1)} ms, p90 ${pct(r.latencies, 90).toFixed(1)} ms, p99 ${pct(r.latencies, 99).toFixed(1)} ms; CPU median ${pct(r.cpu, 50).toFixed(2)} ms/message`;
  console.log(`fenced writes, ${RUNS} × ${N} messages per side, interleaved, PostgreSQL for both:`);
  console.log(line('without REDIS_URL', results.plain));
  console.log(line('with REDIS_URL   ', results.fenced));
  console.log(
    `cost of fencing per message: latency p50 ${(pct(results.fenced.latencies, 50) - pct(results.plain.latencies, 50)).toFixed(1)} ms, CPU ${(pct(results.fenced.cpu, 50) - pct(results.plain.cpu, 50)).toFixed(2)} ms`,
  );
} finally {
  await sb.close();
  await redis.stop();
}
process.exit(0);
