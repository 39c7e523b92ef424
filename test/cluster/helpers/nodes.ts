/**
 * Several `weiroto start` processes forming one cluster (one PostgreSQL database, one redis-server,
 * one sandbox), and what tests ask of them: each node's view of the accounts through its API, and
 * who holds each account's lease in Redis.
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { startWeiroto, type WeirotoProcess } from '../../helpers/weiroto-process.js';
import { untilOutput } from '../../helpers/child.js';
import { TEST_SECRET_KEY, databaseUrlFor } from '../../helpers/store.js';
import { clusterKeys } from '../../../src/cluster/index.js';

export const CLUSTER_TOKEN = 'tok_cluster_test_0123456789';

export interface ClusterNode {
  name: string;
  proc: WeirotoProcess;
  url: string;
  /** Set by the test when it sent SIGTERM: the node's API may be closed already. */
  stopping?: boolean;
}

export interface ClusterEnv {
  /** DATA_DIR of every node (media only: the store is the database), which also names the database under `--store postgres`. */
  dataDir: string;
  databaseUrl: string;
  redisUrl: string;
  sandboxOrigin: string;
  leaseTtlMs: number;
  /** More settings for every node (BOT_PLUGINS, SEND_PACING …). */
  extra?: Record<string, string>;
}

/** The settings every node of one cluster shares: one data folder and its PostgreSQL database (whichever store the switch selects). */
export async function clusterEnv(parts: Omit<ClusterEnv, 'dataDir' | 'databaseUrl'>): Promise<ClusterEnv> {
  const dataDir = mkdtempSync(join(tmpdir(), 'w-cluster-'));
  return { dataDir, databaseUrl: await databaseUrlFor(dataDir), ...parts };
}

/** Start a node named `name` and wait for its listening line. */
export async function startNode(name: string, env: ClusterEnv): Promise<ClusterNode> {
  const proc = await startWeiroto({
    PORT: '0',
    DATA_DIR: env.dataDir,
    DATABASE_URL: env.databaseUrl,
    SECRET_KEY: TEST_SECRET_KEY,
    REDIS_URL: env.redisUrl,
    LEASE_TTL_MS: String(env.leaseTtlMs),
    NODE_ID: name,
    WECHAT_ENDPOINT: env.sandboxOrigin,
    API_TOKEN: CLUSTER_TOKEN,
    BOT_PLUGINS: 'echo',
    SEND_PACING: 'off',
    API_RATE_BURST: '100000',
    API_RATE_PER_SEC: '100000',
    // The tests start their nodes one by one and say how the accounts move as each joins: no wait for the others
    // (test/cluster/start-together.test.ts sets one).
    JOIN_WAIT_MS: '0',
    ...env.extra,
  });
  const url = await untilOutput(
    proc.child,
    () => /weiroto listening on (http:\/\/[^"\s]+)/.exec(proc.out())?.[1],
    `node ${name} listening (stderr: ${proc.err()})`,
  );
  return { name, proc, url };
}

export interface AccountView {
  id: string;
  state: string;
  self?: { name: string };
  /** The node that runs it, as the cluster says (this node's name for the accounts it runs). */
  node?: string;
  qr?: { id: string };
  /** iLink: the login waits for the digits the phone shows (`retry`: the last code was wrong). */
  verifyCode?: { retry: boolean };
}

/**
 * A call to the node's API with the cluster's token. A connection the node closed or refused fails with the node's
 * state and its last output: a node that crashed says why, one that is alive says the close came from elsewhere.
 */
async function callNode(node: ClusterNode, path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  const { method = 'GET', body } = init;
  return fetch(`${node.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${CLUSTER_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  }).catch((e: unknown) => {
    const { exitCode, signalCode } = node.proc.child;
    throw new Error(
      `${node.name} did not answer ${method} ${path} (exit ${exitCode ?? signalCode ?? 'none yet'}); its last output: ${node.proc.out().slice(-3000)} ${node.proc.err().slice(-3000)}`,
      { cause: e },
    );
  });
}

/** Every account as the node sees it: its own with their state, the others' as their node published them (or not known yet). */
export async function accountsOn(node: ClusterNode): Promise<AccountView[]> {
  const res = await callNode(node, '/accounts');
  if (!res.ok) throw new Error(`${node.name}: GET /api/v1/accounts ${res.status}`);
  return ((await res.json()) as { items: AccountView[] }).items;
}

/** The ids of the accounts online on the node: run there (another node's accounts show there too, under that node's name). */
export async function onlineOn(node: ClusterNode): Promise<Set<string>> {
  return new Set((await accountsOn(node)).filter((a) => a.state === 'online' && a.node === node.name).map((a) => a.id));
}

/** A call to the node's API (`/api/v1` + path) with the cluster's token: the status and the JSON answer. */
export async function nodeApi(node: ClusterNode, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await callNode(node, path, { method, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Create an account through the node's API. */
export async function createAccount(node: ClusterNode, name: string, transport: 'web' | 'ilink' = 'web'): Promise<string> {
  const res = await callNode(node, '/accounts', { method: 'POST', body: { name, transport } });
  if (res.status >= 300) throw new Error(`create account: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** Who holds each account's lease (node name), read from Redis. */
export async function leaseHolders(redis: Redis, accounts: string[]): Promise<Map<string, string>> {
  if (accounts.length === 0) return new Map(); // MGET of no keys is an error, not an empty answer
  const values = await redis.mget(accounts.map((a) => clusterKeys.lease(a)));
  return new Map(accounts.flatMap((a, i) => (values[i] ? [[a, values[i].slice(0, values[i].lastIndexOf(':'))] as const] : [])));
}

/** Which node runs each account: online there (the others show it stopped or not at all; a node shutting down, nothing). */
export async function placement(nodes: ClusterNode[]): Promise<Map<string, string[]>> {
  const where = new Map<string, string[]>();
  for (const n of nodes) {
    const online = await onlineOn(n).catch((e: unknown) => {
      if (n.proc.child.exitCode === null && n.proc.child.signalCode === null && !n.stopping) throw e;
      return new Set<string>();
    });
    for (const id of online) where.set(id, [...(where.get(id) ?? []), n.name]);
  }
  return where;
}

/** Queue a text through the node's API (answered once the send is stored); returns the outbound id. */
export async function queueText(node: ClusterNode, account: string, toName: string, text: string): Promise<string> {
  const res = await callNode(node, `/accounts/${account}/messages`, { method: 'POST', body: { to: { name: toName }, text } });
  if (res.status >= 300) throw new Error(`send on ${node.name}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** Each account online on exactly one of `nodes`, that node holding its lease: node → its accounts; undefined until so. */
export async function settledPlacement(nodes: ClusterNode[], redis: Redis, ids: string[]): Promise<Map<string, string[]> | undefined> {
  const where = await placement(nodes);
  const holders = await leaseHolders(redis, ids);
  const byNode = new Map<string, string[]>();
  for (const id of ids) {
    const on = where.get(id);
    if (on?.length !== 1 || holders.get(id) !== on[0]) return undefined;
    byNode.set(on[0]!, [...(byNode.get(on[0]!) ?? []), id]);
  }
  return byNode;
}

/**
 * `cond` asked at most once every `ms`: each check asks the nodes' APIs, and asked without pause under load it would
 * take CPU from the very nodes whose move is being timed (the time measured is at most `ms` late).
 */
export function paced(cond: () => Promise<boolean>, ms = 50): () => Promise<boolean> {
  return async () => {
    await new Promise((r) => setTimeout(r, ms));
    return cond();
  };
}

/** The 1-minute load average, for the printed figures. */
export function load(): string {
  return loadavg()[0]!.toFixed(1);
}

/** What a node logged when an account it took settled (src/cluster/coordinator.ts `reportSettled`). */
export interface SettledTake {
  node: string;
  account: string;
  trigger: string;
  state: string;
  /** Epoch ms: when the account became free (its lease expired, or its release was announced). */
  freeAt: number;
  leaseMs: number;
  fenceMs: number;
  /** From fenced to settled: the login (its session read, the transport's start). */
  loginMs: number;
  /** From fenced to its queued sends loaded (beside the login), if that was done before it settled. */
  queueMs?: number;
  /** Epoch ms: when the account settled (online). */
  at: number;
}

/** Every account the nodes took and saw settle, from their logs (JSON lines). */
export function settledTakes(nodes: ClusterNode[]): SettledTake[] {
  const found: SettledTake[] = [];
  for (const n of nodes) {
    for (const line of n.proc.out().split('\n')) {
      if (!line.includes('cluster: taken account settled')) continue;
      const j = JSON.parse(line) as Omit<SettledTake, 'node' | 'at'> & { settledAt: number };
      found.push({ ...j, node: n.name, at: j.settledAt });
    }
  }
  return found;
}

/** Where the time of moving `accounts` went, from `since` (the kill or the signal): one line for the test's output. */
export function moveBreakdown(takes: SettledTake[], accounts: string[], since: number): string {
  const mine = accounts.map((a) => takes.filter((t) => t.account === a && t.at >= since).at(-1)).filter((t) => t !== undefined);
  const stat = (pick: (t: SettledTake) => number | undefined) => {
    const v = mine
      .map(pick)
      .filter((x) => x !== undefined)
      .sort((a, b) => a - b);
    return v.length ? `${v[Math.floor(v.length / 2)]}/${v.at(-1)}` : '-';
  };
  const triggers = [...new Set(mine.map((t) => t.trigger))].join(',');
  return (
    `${mine.length}/${accounts.length} settled (${[...new Set(mine.map((t) => t.state))].join(',')}; by ${triggers}), ms median/max: ` +
    `free ${stat((t) => t.freeAt - since)}, lease ${stat((t) => t.leaseMs)}, fence ${stat((t) => t.fenceMs)}, login ${stat((t) => t.loginMs)} ` +
    `(queued sends loaded ${stat((t) => t.queueMs)}), total ${stat((t) => t.at - since)}`
  );
}

/** How long the leaving node took to hand its accounts over, from its log: one line for the test's output. */
export function leaveBreakdown(node: ClusterNode, since: number): string {
  const lines = node.proc
    .out()
    .split('\n')
    .filter((l) => l.includes('"cluster: handed the account over"') || l.includes('"cluster: left; every account handed over"'))
    .map((l) => JSON.parse(l) as { msg: string; time: number; stopMs?: number; releaseMs?: number; ms?: number })
    .filter((j) => j.time >= since);
  const handed = lines.filter((j) => j.stopMs !== undefined);
  const left = lines.find((j) => j.ms !== undefined);
  const max = (v: number[]) => (v.length ? Math.max(...v) : '-');
  return (
    `${handed.length} handed over: stop max ${max(handed.map((j) => j.stopMs!))} ms, release max ${max(handed.map((j) => j.releaseMs!))} ms, ` +
    `last released ${max(handed.map((j) => j.time - since))} ms after the signal, leave ${left?.ms ?? '-'} ms`
  );
}
