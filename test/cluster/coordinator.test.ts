// The coordinator on a real redis-server and a real store: when it takes an account whose holder died.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeaseStore, NodeRegistry, clusterKeys, type ClusterCoordinator } from '../../src/cluster/index.js';
import type { AccountManager } from '../../src/accounts/index.js';
import { recordingManager } from './helpers/recording-manager.js';
import { TestCoordinators } from './helpers/coordinators.js';
import type { Store } from '../../src/store/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { openTestStore } from '../helpers/store.js';

describe('coordinator', () => {
  let redis: RedisServer;
  let store: Store;
  let coordinators: TestCoordinators;
  before(async () => {
    redis = await startRedis();
    coordinators = new TestCoordinators(redis.url);
    store = await openTestStore({ dataDir: mkdtempSync(join(tmpdir(), 'w-coordinator-')) });
  });
  after(async () => {
    await coordinators?.close();
    await store?.close();
    await redis?.stop();
  });

  const enabledIn = (on: Store, before?: () => Promise<void>) => async (): Promise<string[]> => {
    await before?.();
    return (await on.accounts.list()).filter((a) => a.enabled).map((a) => a.id);
  };

  function coordinator(node: string, ttlMs: number, manager: AccountManager, on: Store = store, enabledAccounts = enabledIn(on)): ClusterCoordinator {
    return coordinators.create({ node, ttlMs, manager, enabledAccounts, fences: on.fences });
  }

  it("takes a dead node's account as soon as its lease expires, not at its next round", async () => {
    const account = (await store.accounts.create({ name: 'orphan', transport: 'web' })).id;
    // A node that held the account and died: its heartbeat and lease run out (1 s, 1.5 s) and are never renewed.
    await new NodeRegistry(redis.client, 'dead', 1000).heartbeat(0, 0);
    assert.ok(await new LeaseStore(redis.client, 'dead', 1500).acquire(account));
    // The survivor's rounds come every 20 s (a third of its 60 s lease): the first finds the lease held.
    const { manager, ranAt } = recordingManager();
    const survivor = coordinator('survivor', 60_000, manager);
    const started = Date.now();
    await survivor.start();
    assert.equal(ranAt.has(account), false, 'held by the dead node at the first round');
    await waitUntil(() => ranAt.has(account), 60_000, 'the survivor to take the account');
    const after = ranAt.get(account)! - started;
    assert.ok(after < 20_000, `taken ${after} ms after the survivor started: at the lease's expiry (1.5 s), before its next round (20 s)`);
    assert.equal(survivor.holding().has(account), true);
    await survivor.leave();
    assert.equal(ranAt.has(account), false, 'released when the survivor leaves');
  });

  it("takes a leaving node's account the moment it is released, while its own round still waits on the store", async () => {
    const own = await openTestStore({ dataDir: mkdtempSync(join(tmpdir(), 'w-coordinator-leave-')) });
    try {
      const accounts = [(await own.accounts.create({ name: 'one', transport: 'web' })).id, (await own.accounts.create({ name: 'two', transport: 'web' })).id];
      // Rounds every 20 s (60 s leases): only news moves anything during the test.
      const leaver = recordingManager();
      const leaverNode = coordinator('leaver', 60_000, leaver.manager, own);
      await leaverNode.start();
      await waitUntil(() => leaver.ranAt.size === 2, 30_000, 'the first node to run both accounts');
      // The taker's reads of the accounts can be held up, as a busy node's store line holds them up.
      const gate: { hold?: Promise<void>; held: boolean; letGo?: () => void } = { held: false };
      const taker = recordingManager();
      const takerNode = coordinator(
        'taker',
        60_000,
        taker.manager,
        own,
        enabledIn(own, async () => {
          if (!gate.hold) return;
          gate.held = true;
          await gate.hold;
        }),
      );
      await takerNode.start();
      await waitUntil(() => taker.ranAt.size === 1 && leaver.ranAt.size === 1, 30_000, 'one account on each node');
      const moving = [...leaver.ranAt.keys()][0]!;
      gate.hold = new Promise((r) => (gate.letGo = r));
      // A node joining: every node runs a round that reads the accounts; the taker's waits.
      await redis.client.publish(clusterKeys.channel, JSON.stringify({ kind: 'joined', node: 'passer-by' }));
      await waitUntil(() => gate.held, 30_000, "the taker's round to wait on the store");
      await leaverNode.leave();
      await waitUntil(() => taker.ranAt.has(moving), 10_000, 'the taker to run the released account');
      assert.deepEqual([...takerNode.holding().keys()].sort(), [...accounts].sort());
      gate.letGo!();
      await takerNode.leave();
    } finally {
      await own.close();
    }
  });

  it('takes an account with a token above the store’s fence after Redis lost its counters', async () => {
    const account = (await store.accounts.create({ name: 'after a Redis restart', transport: 'web' })).id;
    // Tokens up to 57 were used before Redis restarted empty: the store's fence remembers them.
    assert.equal(await store.fences.raise(account, 57, 1000), 57);
    await redis.client.del(clusterKeys.fence(account));
    const { manager, ranAt } = recordingManager();
    const node = coordinator('after-restart', 60_000, manager);
    await node.start();
    await waitUntil(() => ranAt.has(account), 30_000, 'the node to run the account');
    const token = node.holding().get(account)!;
    assert.ok(token > 57, `runs with token ${token}, which the store's fence (57) would refuse`);
    assert.equal(await store.fences.current(account), token, 'the fence stands at the token it runs with');
    await node.leave();
  });

  it('renews its heartbeat and leases while a round waits for a busy store, for longer than a lease, from its first round on', async () => {
    const account = (await store.accounts.create({ name: 'on a busy node', transport: 'web' })).id;
    // The first round's read is let through by the test; every later one waits in line (300 accounts'
    // writes before it) until the test lets it through: the second is the first round's loop running
    // again for news that came meanwhile, so `start` itself is still under way while the leases must live.
    let reads = 0;
    let first!: () => void;
    const firstRead = new Promise<void>((r) => (first = r));
    let through!: () => void;
    const line = new Promise<void>((r) => (through = r));
    const enabled = async (): Promise<string[]> => {
      reads++;
      await (reads === 1 ? firstRead : line);
      return [account];
    };
    const { manager, ranAt } = recordingManager();
    const ttlMs = 1500;
    const node = coordinator('busy', ttlMs, manager, store, enabled);
    const starting = node.start();
    await waitUntil(() => reads === 1, 30_000, 'the first round reading the accounts');
    node.place(account); // news while the first round runs: it runs again
    first();
    await waitUntil(() => ranAt.has(account), 30_000, 'the node to run the account');
    const token = node.holding().get(account)!;
    await waitUntil(() => reads === 2, 30_000, 'the round after it waiting for the store');
    // Three renewals (the lease's time to live going back up) while that round waits: over a lease's time.
    const ttl = (key: string): Promise<number> => redis.client.pttl(key);
    let renewals = 0;
    let last = await ttl(clusterKeys.lease(account));
    await waitUntil(
      async () => {
        const now = await ttl(clusterKeys.lease(account));
        if (now > last) renewals++;
        last = now;
        return renewals >= 3 || now < 0;
      },
      30_000,
      'three renewals while the round waits',
    );
    assert.equal(reads, 2, 'the round still waits for the store');
    assert.equal(await redis.client.get(clusterKeys.lease(account)), `busy:${token}`, 'the lease is still ours');
    assert.ok((await ttl(clusterKeys.node('busy'))) > 0, 'and so is the heartbeat');
    through();
    await starting;
    await node.leave();
  });

  it('SIGTERM hands over the accounts it runs at once, without waiting for a take still loading, which goes once loaded', async () => {
    const own = await openTestStore({ dataDir: mkdtempSync(join(tmpdir(), 'w-coordinator-leave-takes-')) });
    try {
      const accounts = await Promise.all(['one', 'two', 'three'].map(async (name) => (await own.accounts.create({ name, transport: 'web' })).id));
      // The last account's start waits (its queue loading behind a busy store line) until the test lets it through.
      const recording = recordingManager();
      let loaded!: () => void;
      const loading = new Promise<void>((r) => (loaded = r));
      const slow = accounts[2]!;
      const runHere = recording.manager.runHere.bind(recording.manager);
      recording.manager.runHere = async (id: string) => {
        if (id === slow) await loading;
        return runHere(id);
      };
      const node = coordinator('leaving-while-taking', 60_000, recording.manager, own);
      await node.start();
      await waitUntil(() => recording.ranAt.size === 2 && node.holding().size === 3, 30_000, 'two accounts running, the third being taken');
      const leaving = node.leave();
      const leases = async (): Promise<number> => await redis.client.exists(...accounts.map((a) => clusterKeys.lease(a)));
      await waitUntil(async () => (await leases()) === 1, 30_000, 'the two running accounts released while the third still loads');
      assert.equal(await redis.client.exists(clusterKeys.lease(slow)), 1, 'the one still loading keeps its lease until loaded');
      loaded();
      await leaving;
      assert.equal(await leases(), 0, 'then it goes too');
      assert.equal(recording.ranAt.size, 0, 'nothing runs here any more');
    } finally {
      await own.close();
    }
  });
});
