/**
 * What the cluster's queues cost per send and per webhook delivery: `weiroto start` on PostgreSQL
 * without REDIS_URL (the outbound queue and the delivery loop in one process), against two nodes with
 * REDIS_URL (sends through BullMQ: accepted by the node that runs the account, or by the other node and
 * routed; deliveries as BullMQ jobs). The runs are interleaved (plain, cluster, plain, cluster …) since
 * this machine's load changes all the time.
 *
 * Per send: from the API's POST to the sandbox accepting the text, one at a time. Per delivery: from
 * the sandbox injecting a message to the receiver getting its `message.received` webhook (the bot's
 * handling of the message is in both; the difference is the delivery path).
 *
 * Run: node --import tsx bench/cluster/queues.bench.ts [items per run] [runs per side]
 * (needs PostgreSQL and redis-server binaries, as the cluster tests: Debian's postgresql and redis-server)
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../src/sandbox/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { startRedis } from '../../test/helpers/redis.js';
import { createTestDatabase } from '../../test/helpers/postgres.js';
import { Receiver } from '../../test/webhook/receiver.js';
import { accountsOn, queueText, startNode, type ClusterEnv, type ClusterNode } from '../../test/cluster/helpers/nodes.js';

const N = Number(process.argv[2] ?? 100);
const RUNS = Number(process.argv[3] ?? 3);

const sb = await startSandbox({ holdMs: 25_000, contacts: 5, rooms: 0, rateLimits: false });
const redis = await startRedis();
const hooks = new Receiver();
await hooks.start();
const dataDir = mkdtempSync(join(tmpdir(), 'weiroto-queues-bench-'));
const env: ClusterEnv = {
  dataDir,
  databaseUrl: await createTestDatabase(),
  redisUrl: redis.url,
  sandboxOrigin: sb.origin,
  leaseTtlMs: 15_000,
  // No plugin answers: a send is the API's only, and each injected message makes one webhook event.
  extra: { WEBHOOK_URL: hooks.url, BOT_PLUGINS: '' },
};
const friend = (await sb.control.state(true)).accounts[0]!.friends.find((f) => f.kind === 'friend')!.nickname;

async function online(node: ClusterNode, id: string): Promise<boolean> {
  return (await accountsOn(node)).some((a) => a.id === id && a.state === 'online');
}

/** The plain node (no REDIS_URL); the first one also creates the account and has its QR scanned. */
async function plainNode(account?: string): Promise<{ node: ClusterNode; account: string }> {
  const node = await startNode('plain', { ...env, redisUrl: '' });
  let id = account;
  if (id === undefined) {
    await waitUntil(async () => (id = (await accountsOn(node))[0]?.id) !== undefined, 60_000, 'the first account');
    let qr: string | undefined;
    await waitUntil(async () => (qr = (await sb.control.state()).qrcodes.find((q) => q.status === 'waiting')?.uuid) !== undefined, 60_000, 'a QR');
    await sb.control.scan({ uuid: qr! });
    await sb.control.confirm({ uuid: qr! });
  }
  await waitUntil(() => online(node, id!), 120_000, 'the account online');
  return { node, account: id! };
}

/** Two cluster nodes: the one that runs the account, and the other. */
async function clusterNodes(account: string): Promise<{ holder: ClusterNode; other: ClusterNode }> {
  const nodes = [await startNode('c1', env), await startNode('c2', env)];
  let holder: ClusterNode | undefined;
  await waitUntil(
    async () => (holder = (await Promise.all(nodes.map(async (n) => ((await online(n, account)) ? n : undefined)))).find(Boolean)) !== undefined,
    120_000,
    'the account online',
  );
  return { holder: holder!, other: nodes.find((n) => n !== holder)! };
}

async function stop(nodes: ClusterNode[]): Promise<void> {
  for (const n of nodes) n.proc.child.kill('SIGTERM');
  await Promise.all(nodes.map((n) => n.proc.exited));
}

/** N sends through `via`, one at a time: ms from the POST to the sandbox accepting it. */
async function sends(via: ClusterNode, account: string, tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    const before = sb.state.counters.sent;
    const t0 = performance.now();
    await queueText(via, account, friend, `${tag} ${i}`);
    await waitUntil(() => sb.state.counters.sent > before, 60_000, `send ${i}`);
    out.push(performance.now() - t0);
  }
  return out;
}

/** N messages in, one at a time: ms from the injection to the receiver getting the event. */
async function deliveries(tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    const text = `${tag} in ${i}`;
    const t0 = performance.now();
    await sb.control.sendMessage({ from: friend, text });
    await waitUntil(() => hooks.log.some((r) => r.json.type === 'message.received' && r.body.includes(text)), 60_000, `delivery ${i}`);
    out.push(performance.now() - t0);
  }
  return out;
}

const pct = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor((p / 100) * v.length))]!;
const show = (v: number[]) => `p50 ${pct(v, 50).toFixed(1)} ms, p90 ${pct(v, 90).toFixed(1)} ms`;
const all = {
  plainSend: [] as number[],
  localSend: [] as number[],
  routedSend: [] as number[],
  plainDelivery: [] as number[],
  clusterDelivery: [] as number[],
};
let account: string | undefined;
try {
  for (let run = 0; run < RUNS; run++) {
    const plain = await plainNode(account);
    account = plain.account;
    await sends(plain.node, account, 'warm');
    const ps = await sends(plain.node, account, `plain ${run}`);
    const pd = await deliveries(`plain ${run}`);
    all.plainSend.push(...ps);
    all.plainDelivery.push(...pd);
    console.log(`run ${run + 1} without REDIS_URL: send ${show(ps)}; delivery ${show(pd)} (load ${loadavg()[0]!.toFixed(1)})`);
    await stop([plain.node]);

    const { holder, other } = await clusterNodes(account);
    await sends(other, account, 'warm');
    const ls = await sends(holder, account, `local ${run}`);
    const rs = await sends(other, account, `routed ${run}`);
    const cd = await deliveries(`cluster ${run}`);
    all.localSend.push(...ls);
    all.routedSend.push(...rs);
    all.clusterDelivery.push(...cd);
    console.log(
      `run ${run + 1} with REDIS_URL: send on the holder ${show(ls)}, routed from the other node ${show(rs)}; delivery ${show(cd)} (load ${loadavg()[0]!.toFixed(1)})`,
    );
    await stop([holder, other]);
  }
  console.log(`queues, ${RUNS} × ${N} per side, interleaved, PostgreSQL for both:`);
  console.log(`send without REDIS_URL            ${show(all.plainSend)}`);
  console.log(`send with REDIS_URL, on the holder ${show(all.localSend)}`);
  console.log(`send with REDIS_URL, routed        ${show(all.routedSend)}`);
  console.log(`delivery without REDIS_URL        ${show(all.plainDelivery)}`);
  console.log(`delivery with REDIS_URL (BullMQ)  ${show(all.clusterDelivery)}`);
  const d = (a: number[], b: number[]) => (pct(a, 50) - pct(b, 50)).toFixed(1);
  console.log(
    `overhead at p50: routed send ${d(all.routedSend, all.plainSend)} ms, send on the holder ${d(all.localSend, all.plainSend)} ms, delivery ${d(all.clusterDelivery, all.plainDelivery)} ms`,
  );
} finally {
  await sb.close();
  await redis.stop();
  await hooks.stop();
}
process.exit(0);
