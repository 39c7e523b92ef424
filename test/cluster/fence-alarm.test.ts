// "Redis gave a token below the store's fence" is said only when Redis really lost its counters. A real
// redis-server and a real PostgreSQL, two nodes on one database.
//
// The false alarm: node A takes an account (Redis grants token n), then stalls before its fence raise
// reaches the store (paused, starved: here its raise is held), for longer than its lease. Node B takes the
// account (n + 1) and raises the fence. When A's raise comes, the fence stands above A's token, as it
// would after a Redis that lost its data. A used to call that data loss, raise Redis's counter and try to
// take the account again; now it sees that Redis's counter is past the fence (the greater token is
// another node's, granted after its own) and leaves the account to B, quietly.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeaseStore, clusterKeys } from '../../src/cluster/index.js';
import type { FencesRepo, Store } from '../../src/store/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { openTestStore } from '../helpers/store.js';
import { captureLog } from '../helpers/log-capture.js';
import { recordingManager } from './helpers/recording-manager.js';
import { TestCoordinators } from './helpers/coordinators.js';

/** Rounds every 200 s: nothing but the test's own steps moves an account while it runs. */
const TTL_MS = 600_000;
const ALARM = /lose its data/;

describe('the "Redis lost its data" alarm', () => {
  let redis: RedisServer;
  let a: Store;
  let b: Store;
  let coordinators: TestCoordinators;

  before(async () => {
    redis = await startRedis();
    coordinators = new TestCoordinators(redis.url);
    const dataDir = mkdtempSync(join(tmpdir(), 'w-fence-alarm-'));
    // Two nodes' stores on one PostgreSQL database.
    a = await openTestStore({ dataDir, kind: 'postgres' });
    b = await openTestStore({ dataDir, kind: 'postgres' });
  });
  after(async () => {
    await coordinators?.close();
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  /** Node A: a coordinator whose fence raises wait for `gate` when one is set, and the accounts its manager was told to run. */
  function nodeA(name: string, account: string) {
    const { manager, ranAt: ran } = recordingManager();
    const raising: { gate?: Promise<void>; asked: boolean } = { asked: false };
    const fences: FencesRepo = {
      raise: (acc, token, wait) => a.fences.raise(acc, token, wait),
      raiseAll: async (raises, wait) => {
        raising.asked = true;
        await raising.gate;
        return a.fences.raiseAll(raises, wait);
      },
      current: (acc) => a.fences.current(acc),
      endFrozenSessions: (idle) => a.fences.endFrozenSessions(idle),
    };
    const logs = captureLog('info');
    const node = coordinators.create({
      node: name,
      ttlMs: TTL_MS,
      manager,
      enabledAccounts: async () => [account],
      fences,
      log: logs.log,
    });
    const alarms = () => logs.records().filter((r) => ALARM.test(r.msg));
    return { node, ran, raising, alarms };
  }

  it('is not raised when another node took the account while this one stalled before its fence raise', async () => {
    const account = (await a.accounts.create({ name: 'raced', transport: 'web' })).id;
    const A = nodeA('node-a1', account);
    let letGo!: () => void;
    A.raising.gate = new Promise((r) => (letGo = r));
    await A.node.start();
    await waitUntil(() => A.raising.asked, 30_000, 'node A to have its lease and to raise the fence');
    const tokenA = A.node.holding().get(account)!;
    assert.ok(tokenA > 0);
    // A's lease runs out while it stalls (what Redis's expiry does to a lease nobody renews), and node B takes the account.
    await redis.client.del(clusterKeys.lease(account));
    const tokenB = (await new LeaseStore(redis.client, 'node-b', TTL_MS).acquire(account))!;
    assert.ok(tokenB > tokenA);
    assert.equal(await b.fences.raise(account, tokenB, 1000), tokenB);
    letGo();
    await waitUntil(() => !A.node.holding().has(account), 30_000, 'node A to let the account go');
    assert.deepEqual(
      A.alarms().map((r) => r.msg),
      [],
      'no "Redis lost its data"',
    );
    assert.equal(A.ran.has(account), false, 'node A does not run it');
    assert.equal(await redis.client.get(clusterKeys.lease(account)), `node-b:${tokenB}`, "node B's lease stands");
    assert.equal(Number(await redis.client.get(clusterKeys.fence(account))), tokenB, 'the counter is left as it was');
    assert.equal(await a.fences.current(account), tokenB);
    await coordinators.leave(A.node);
  });

  it('is raised when Redis lost its counters, and the node then runs the account with a token above the fence', async () => {
    const account = (await a.accounts.create({ name: 'after a Redis restart', transport: 'web' })).id;
    // Tokens up to 57 were used before Redis restarted empty: the store's fence remembers them.
    assert.equal(await b.fences.raise(account, 57, 1000), 57);
    await redis.client.del(clusterKeys.fence(account));
    const A = nodeA('node-a2', account);
    await A.node.start();
    await waitUntil(() => A.ran.has(account), 30_000, 'node A to run the account');
    const token = A.node.holding().get(account)!;
    assert.ok(token > 57, `runs with token ${token}, which the store's fence (57) would refuse`);
    assert.equal(await a.fences.current(account), token);
    assert.equal(A.alarms().length, 1, 'said once');
    await coordinators.leave(A.node);
  });
});
