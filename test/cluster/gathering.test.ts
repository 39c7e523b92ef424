// Nodes starting together (JOIN_WAIT_MS), coordinators on a real redis-server and a real store: a node
// takes only its share while the nodes that ran together last time are still expected, the rest when
// the wait is over; a node that was alone last time takes everything at once; with nothing remembered,
// nothing is taken until the wait is over, and then each node takes its share (no account moves).
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeRegistry, clusterKeys } from '../../src/cluster/index.js';
import type { Store } from '../../src/store/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { openTestStore } from '../helpers/store.js';
import { recordingManager } from './helpers/recording-manager.js';
import { TestCoordinators } from './helpers/coordinators.js';

// Rounds every 20 s: within a test only a start, news and the end of the wait move anything.
const TTL_MS = 60_000;
/**
 * The wait of the nodes that ran together: it must outlast a second coordinator's start in this process (Redis calls,
 * no child process), and each test but the first sits all of it out (8 s each before).
 */
const JOIN_WAIT_MS = 4_000;

describe('nodes starting together', () => {
  let redis: RedisServer;
  const stores: Store[] = [];
  let coordinators: TestCoordinators;
  before(async () => {
    redis = await startRedis();
    coordinators = new TestCoordinators(redis.url);
  });
  beforeEach(async () => {
    await coordinators.leaveAll();
    await redis.client.flushall();
  });
  after(async () => {
    await coordinators?.close();
    for (const s of stores) await s.close();
    await redis?.stop();
  });

  /** A store of its own with `n` enabled accounts. */
  async function accounts(n: number): Promise<Store> {
    const store = await openTestStore({ dataDir: mkdtempSync(join(tmpdir(), 'w-gathering-')) });
    stores.push(store);
    for (let i = 0; i < n; i++) await store.accounts.create({ name: `account ${i}`, transport: 'web' });
    return store;
  }

  function node(name: string, store: Store, joinWaitMs: number) {
    const recording = recordingManager();
    const coordinator = coordinators.create({
      node: name,
      ttlMs: TTL_MS,
      joinWaitMs,
      manager: recording.manager,
      enabledAccounts: async () => (await store.accounts.list()).filter((a) => a.enabled).map((a) => a.id),
      fences: store.fences,
    });
    return { coordinator, ...recording };
  }

  /** The nodes that stopped together last time, as Redis remembers them (each said it left). */
  async function ranTogether(names: string[]): Promise<void> {
    const at = Date.now() - 60_000;
    for (const n of names) {
      const registry = new NodeRegistry(redis.client, n, TTL_MS);
      await registry.heartbeat(at - 3_600_000, at);
      await registry.leave(at);
    }
  }

  const gatheringUntil = async (): Promise<number | undefined> => {
    const text = await redis.client.get(clusterKeys.gathering);
    return text ? (JSON.parse(text) as { until: number }).until : undefined;
  };

  it('a node that was alone last time takes every account at once, without waiting', async () => {
    const store = await accounts(4);
    await ranTogether(['solo']);
    const solo = node('solo', store, 600_000);
    await solo.coordinator.start();
    await waitUntil(() => solo.ranAt.size === 4, 30_000, 'the node to run every account (it must not wait the 10 minutes)');
  });

  it('three nodes ran together: the first up takes its share at once, the second its own as it joins, and the third share waits for the wait to end', async () => {
    const store = await accounts(6);
    await ranTogether(['a', 'b', 'c']);
    const a = node('a', store, JOIN_WAIT_MS);
    await a.coordinator.start();
    await waitUntil(() => a.ranAt.size === 2, 30_000, 'the first node to run its share');
    const until = await gatheringUntil();
    assert.ok(until !== undefined, 'its share was taken while the others were still expected');
    const b = node('b', store, JOIN_WAIT_MS);
    await b.coordinator.start();
    await waitUntil(() => b.ranAt.size === 2, 30_000, 'the second node to run its share');
    assert.equal(a.ranAt.size, 2, 'the first node did not take the share of the node still expected');
    // The third never comes: when the wait is over, the two up share its accounts.
    await waitUntil(() => a.ranAt.size + b.ranAt.size === 6, 30_000, 'the two nodes to run every account');
    assert.deepEqual([a.ranAt.size, b.ranAt.size], [3, 3]);
    const late = [...a.ranAt.values(), ...b.ranAt.values()].sort((x, y) => x - y).slice(4);
    for (const t of late) assert.ok(t >= until!, `the expected node's share was taken ${until! - t} ms before the wait was over`);
    assert.equal(a.counts.runs + b.counts.runs, 6, 'each account taken once');
    assert.equal(a.counts.releases + b.counts.releases, 0, 'none handed over');
  });

  it('nothing remembered (the first start): no node takes anything until the wait is over, then each its share, and no account moves', async () => {
    const store = await accounts(6);
    const a = node('a', store, JOIN_WAIT_MS);
    await a.coordinator.start();
    const until = await gatheringUntil();
    assert.ok(until !== undefined);
    const b = node('b', store, JOIN_WAIT_MS);
    await b.coordinator.start();
    await waitUntil(() => a.ranAt.size + b.ranAt.size === 6, 30_000, 'the two nodes to run every account');
    assert.deepEqual([a.ranAt.size, b.ranAt.size], [3, 3]);
    for (const t of [...a.ranAt.values(), ...b.ranAt.values()]) assert.ok(t >= until, `an account was taken ${until - t} ms before the wait was over`);
    assert.equal(a.counts.runs + b.counts.runs, 6, 'each account taken once');
    assert.equal(a.counts.releases + b.counts.releases, 0, 'none handed over');
  });
});
