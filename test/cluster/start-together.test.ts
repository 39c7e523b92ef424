// Three `weiroto start` nodes on one PostgreSQL database and one redis-server (both real), started a
// few seconds apart, share the accounts as they come (JOIN_WAIT_MS): each account is taken once, by the
// node it ends up on, and none changes node once the spread has settled. Before, the first node up took
// every account and handed two thirds of them over as the others joined (a stop and a second login each).
// Once on the cluster's first start (Redis remembers no node: nothing is taken until the wait is over),
// once on a restart (the first node up takes its share at once, the others theirs as they join).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { clusterKeys } from '../../src/cluster/index.js';
import { gatheringPlan, type Gathering } from '../../src/cluster/gathering.js';
import { CHILD_TEST_TIMEOUT_MS } from '../helpers/child.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { clusterEnv, createAccount, leaseHolders, settledPlacement, startNode, type ClusterEnv, type ClusterNode } from './helpers/nodes.js';

const ACCOUNTS = 9;
const LEASE_TTL_MS = 6000;
/** Long enough for three nodes to boot side by side under load; the first start waits all of it. */
const JOIN_WAIT_MS = 25_000;
/**
 * A restart's wait holds node-1's boot and its takes, then node-2's and node-3's boots: at load 30+ more than 25 s
 * (5/3/3). It ends as soon as all three are up, and the test waits for that, not for its key's expiry.
 */
const RESTART_JOIN_WAIT_MS = 60_000;
/** Between two nodes' starts: "a few seconds slower to join". */
const APART_MS = 2000;
const WAIT = CHILD_TEST_TIMEOUT_MS;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const lines = (n: ClusterNode, msg: string): number =>
  n.proc
    .out()
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}"`)).length;

describe('nodes started a few seconds apart share the accounts', { timeout: CHILD_TEST_TIMEOUT_MS * 2 }, () => {
  let redis: RedisServer;
  let sb: RunningSandbox;
  let env: ClusterEnv;
  let nodes: ClusterNode[] = [];
  const ids: string[] = [];

  const qrCount = async () => (await sb.ilink.control.state()).qrcodes.length;

  async function stopAll(): Promise<void> {
    for (const n of nodes) {
      n.stopping = true;
      n.proc.child.kill('SIGTERM');
    }
    await Promise.all(nodes.map((n) => n.proc.exited));
  }

  /**
   * Start node-1 … node-3 a few seconds apart; once node-1 has started, `firstUp(node-1)` runs before the
   * others are launched. Then wait for every account online on one node, 3/3/3, the wait over and a round
   * after it on each node: answers the takes and handovers each node logged.
   */
  async function startApart(firstUp?: (n: ClusterNode) => Promise<void>, joinWaitMs = JOIN_WAIT_MS): Promise<{ took: number[]; handed: number[] }> {
    nodes = [];
    const nodeEnv = { ...env, extra: { ...env.extra, JOIN_WAIT_MS: String(joinWaitMs) } };
    const starting: Promise<ClusterNode>[] = [];
    for (const name of ['node-1', 'node-2', 'node-3']) {
      if (starting.length) await sleep(APART_MS);
      const node = startNode(name, nodeEnv).then((n) => {
        nodes.push(n);
        return n;
      });
      starting.push(node);
      // Processes launched a few seconds apart boot side by side: on a loaded machine one boot alone can take
      // most of the wait, so the next launch does not wait for the last one to listen. Only what node-1 does
      // before the others start is watched (a restart: its share, taken at once); node-2 and node-3 then boot
      // side by side too, not one after the other (at load 30+ three boots in a row outlasted the wait: 5/4/3).
      if (firstUp && name === 'node-1') await firstUp(await node);
    }
    nodes = await Promise.all(starting);
    let where: Map<string, string[]> | undefined;
    await waitUntil(
      async () => (where = await settledPlacement(nodes, redis.client, ids)) !== undefined && where.size === 3,
      WAIT,
      'every account online, on three nodes',
    );
    assert.deepEqual(
      [...where!.values()].map((a) => a.length),
      [3, 3, 3],
    );
    // Nothing moves after that: the wait is over, and each node has renewed twice since (its rounds run as often).
    // Over as the nodes judge it (gatheringPlan): its time has run out, or as many nodes are up as it expects (a
    // restart, where the key itself lingers until RESTART_JOIN_WAIT_MS; waiting for that sat out ~50 s of nothing).
    await waitUntil(
      async () => {
        const open = await redis.client.get(clusterKeys.gathering);
        return (
          open === null ||
          gatheringPlan(
            JSON.parse(open) as Gathering,
            nodes.map((n) => n.name),
            Date.now(),
          ) === undefined
        );
      },
      WAIT,
      'the wait for the nodes to be over',
    );
    const over = Date.now();
    await waitUntil(
      async () => {
        const seen = await redis.client.hgetall(clusterKeys.seen);
        return nodes.every((n) => (JSON.parse(seen[n.name] ?? '{"beatAt":0}') as { beatAt: number }).beatAt > over + (2 * LEASE_TTL_MS) / 3);
      },
      WAIT,
      'two renewals of every node after the wait',
    );
    assert.deepEqual(
      [...(await leaseHolders(redis.client, ids))].sort(),
      [...where!].flatMap(([node, accounts]) => accounts.map((a) => [a, node])).sort(),
      'every account still held where it settled',
    );
    return {
      took: nodes.map((n) => lines(n, 'cluster: took the account')),
      handed: nodes.map((n) => lines(n, 'cluster: handed the account over')),
    };
  }

  before(async () => {
    redis = await startRedis();
    sb = await startSandbox({ accounts: 1, contacts: 1, officials: 0, rooms: 0, rateLimits: false, ilink: { pollHoldMs: 1000, longPollTimeoutMs: 1000 } });
    env = await clusterEnv({
      redisUrl: redis.url,
      sandboxOrigin: sb.origin,
      leaseTtlMs: LEASE_TTL_MS,
      extra: { WECHAT_TRANSPORT: 'ilink', ILINK_BASE_URL: sb.origin, JOIN_WAIT_MS: String(JOIN_WAIT_MS) },
    });
    // The accounts, bound once on one node (its QRs confirmed as they show), which then leaves.
    const first = await startNode('setup', { ...env, extra: { ...env.extra, JOIN_WAIT_MS: '0' } });
    nodes = [first];
    for (let i = 0; i < ACCOUNTS; i++) ids.push(await createAccount(first, `ilink ${i}`, 'ilink'));
    const confirmed = new Set<string>();
    await waitUntil(
      async () => {
        for (const qr of (await sb.ilink.control.state()).qrcodes.filter((q) => q.status === 'wait' && !confirmed.has(q.qrcode))) {
          confirmed.add(qr.qrcode);
          await sb.ilink.control.confirm({ qrcode: qr.qrcode, user: 'new' });
        }
        return (await settledPlacement(nodes, redis.client, ids))?.get('setup')?.length === ACCOUNTS;
      },
      WAIT,
      'every account online on the first node',
    );
    await stopAll();
  });

  after(async () => {
    for (const n of nodes) n.proc.child.kill('SIGKILL');
    await sb?.close();
    await redis?.stop();
  });

  it("the cluster's first start (Redis remembers no node): each account is taken once, and none moves", async () => {
    await redis.client.flushall();
    const qrs = await qrCount();
    const { took, handed } = await startApart();
    console.log(`first start: takes per node ${took.join('/')}, handovers ${handed.join('/')}`);
    assert.deepEqual(took, [3, 3, 3], 'each node took its three accounts, once');
    assert.deepEqual(handed, [0, 0, 0], 'no account was handed over');
    assert.equal(await qrCount(), qrs, 'every account resumed from its session (no QR)');
  });

  it('a restart: the first node up takes its share at once, the others theirs as they join, and none moves', async () => {
    await stopAll();
    const { took, handed } = await startApart(async () => {
      // Its share, while the two others are still expected (the wait is open).
      await waitUntil(
        async () => [...(await leaseHolders(redis.client, ids)).values()].filter((h) => h === 'node-1').length === 3,
        WAIT,
        'node-1 to take its share',
      );
      assert.equal(await redis.client.exists(clusterKeys.gathering), 1, 'taken before the wait was over');
    }, RESTART_JOIN_WAIT_MS);
    console.log(`restart: takes per node ${took.join('/')}, handovers ${handed.join('/')}`);
    assert.deepEqual(took, [3, 3, 3], 'each node took its three accounts, once');
    assert.deepEqual(handed, [0, 0, 0], 'no account was handed over');
  });
});
