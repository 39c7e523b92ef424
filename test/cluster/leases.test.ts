// Leases, fencing and the spread on a real redis-server and a real PostgreSQL (no mocks).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeaseStore, spread, FencedOut, clusterKeys } from '../../src/cluster/index.js';
import { fencedStore } from '../../src/cluster/fenced-store.js';
import { fencedTransport } from '../../src/cluster/fenced-transport.js';
import pg from 'pg';
import { isLockTimeout, type Store } from '../../src/store/index.js';
import type { Transport } from '../../src/transport/transport.js';
import { TransportError } from '../../src/transport/errors.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { databaseUrlFor, openTestStore } from '../helpers/store.js';
import { waitUntil } from '../../src/testing/wait.js';

describe('leases in Redis', () => {
  let redis: RedisServer;
  before(async () => (redis = await startRedis()));
  after(() => redis?.stop());

  it('one holder at a time; each acquisition gets a greater token; only the holder renews or releases', async () => {
    const a = new LeaseStore(redis.client, 'node-a', 60_000);
    const b = new LeaseStore(redis.client, 'node-b', 60_000);
    const t1 = await a.acquire('acc1');
    assert.ok(t1 && t1 > 0);
    assert.equal(await b.acquire('acc1'), undefined, 'held by a');
    assert.equal(await b.renew('acc1', t1), false, 'b cannot renew a lease it does not hold, even with its token');
    await b.release('acc1', t1);
    assert.equal(await a.holds('acc1', t1), true, "b's release of a's lease was a no-op");
    assert.equal(await a.renew('acc1', t1), true);
    const holder = (await a.holders(['acc1', 'acc2'])).get('acc1');
    assert.deepEqual({ node: holder?.node, token: holder?.token }, { node: 'node-a', token: t1 });
    assert.ok(holder!.ttlMs > 0 && holder!.ttlMs <= 60_000, `time to live ${holder?.ttlMs}`);
    assert.equal((await a.holders(['acc1', 'acc2'])).has('acc2'), false);
    await a.release('acc1', t1);
    const t2 = await b.acquire('acc1');
    assert.ok(t2 && t2 > t1, `token ${t2} after ${t1}`);
    assert.equal(await a.holds('acc1', t1), false);
    assert.equal(await a.renew('acc1', t1), false, 'a lost it: its renewal must not extend b');
  });

  it('a lease not renewed expires after its time to live, and the next holder has a greater token', async () => {
    const a = new LeaseStore(redis.client, 'node-a', 1000);
    const b = new LeaseStore(redis.client, 'node-b', 1000);
    const t1 = (await a.acquire('acc-exp'))!;
    // Redis's own expiry, observed (no sleep race): the key disappears on its own.
    await waitUntil(async () => (await redis.client.exists(clusterKeys.lease('acc-exp'))) === 0, 60_000, 'the lease to expire');
    const t2 = await b.acquire('acc-exp');
    assert.ok(t2 && t2 > t1);
    assert.equal(await a.renew('acc-exp', t1), false);
  });
});

describe('spread', () => {
  const accounts = Array.from({ length: 31 }, (_, i) => `acc-${i}`);
  it('gives every account to exactly one node, counts within one, the same on every node', () => {
    for (const nodes of [['a'], ['a', 'b'], ['a', 'b', 'c'], ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7']]) {
      const plan = spread(nodes, accounts);
      const sizes = [...plan.values()].map((s) => s.size);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${nodes.join(',')}: ${sizes.join(',')}`);
      const all = [...plan.values()].flatMap((s) => [...s]);
      assert.equal(all.length, accounts.length);
      assert.equal(new Set(all).size, accounts.length);
      assert.deepEqual(spread([...nodes].reverse(), [...accounts].reverse()), plan, 'order of the inputs does not matter');
    }
    assert.deepEqual([...spread(['a', 'b', 'c'], ['x']).values()].map((s) => s.size).sort(), [0, 0, 1]);
  });

  it('keeps accounts where they run: a node leaving moves only its accounts, a node joining takes only its share', () => {
    const holdersOf = (plan: Map<string, Set<string>>) => new Map([...plan].flatMap(([n, set]) => [...set].map((a) => [a, n] as const)));
    const three = spread(['a', 'b', 'c'], accounts);
    const two = spread(['a', 'b'], accounts, holdersOf(three));
    for (const n of ['a', 'b']) for (const acc of three.get(n)!) assert.ok(two.get(n)!.has(acc), `${acc} stays on ${n}`);
    const cs = [...three.get('c')!];
    const toA = cs.filter((acc) => two.get('a')!.has(acc)).length;
    assert.ok(Math.abs(toA - (cs.length - toA)) <= 1, "c's accounts are shared out evenly");
    const four = spread(['a', 'b', 'c', 'd'], accounts, holdersOf(three));
    let moved = 0;
    for (const n of ['a', 'b', 'c']) for (const acc of three.get(n)!) if (!four.get(n)!.has(acc)) moved++;
    assert.equal(moved, four.get('d')!.size, 'only what d takes moves');
    assert.equal(four.get('d')!.size, 7);
  });

  it('a node holding more than its share keeps only its share', () => {
    const all = new Map(accounts.map((a) => [a, 'a'] as const));
    const plan = spread(['a', 'b'], accounts, all);
    assert.deepEqual([plan.get('a')!.size, plan.get('b')!.size], [16, 15]);
    for (const acc of plan.get('b')!) assert.ok(!plan.get('a')!.has(acc));
  });
});

describe('fencing on the store and on sends', () => {
  let redis: RedisServer;
  let store: Store;
  let dataDir: string;
  before(async () => {
    redis = await startRedis();
    dataDir = mkdtempSync(join(tmpdir(), 'w-fence-'));
    store = await openTestStore({ dataDir, kind: 'postgres' });
  });
  after(async () => {
    await store?.close();
    await redis?.stop();
  });

  it('a node whose token was overtaken can no longer write about the account; the new holder can', async () => {
    const account = (await store.accounts.create({ name: 'fenced', transport: 'web' })).id;
    let aToken: number | undefined = 1;
    const asA = fencedStore(store, account, () => aToken);
    const asB = fencedStore(store, account, () => 2);
    assert.equal(await store.fences.raise(account, 1, 1000), 1);
    await asA.sessions.save(account, { by: 'a' });
    await asA.kv.set(`plugin:p:${account}`, 'k', 'from a');
    // B takes the account: its token is raised in the store.
    assert.equal(await store.fences.raise(account, 2, 1000), 2);
    assert.equal(await store.fences.raise(account, 1, 1000), 2, 'a stale raise never lowers the fence');
    await assert.rejects(asA.sessions.save(account, { by: 'a, after the takeover' }), FencedOut);
    await assert.rejects(asA.kv.set(`plugin:p:${account}`, 'k', 'late a'), FencedOut);
    await assert.rejects(
      asA.transaction(async (tx) => tx.kv.set(`plugin:p:${account}`, 'k', 'late a in a transaction')),
      FencedOut,
    );
    await asB.sessions.save(account, { by: 'b' });
    assert.deepEqual(await store.sessions.load(account), { by: 'b' });
    assert.equal(await store.kv.get(`plugin:p:${account}`, 'k'), 'from a');
    aToken = undefined;
    await assert.rejects(asA.sessions.save(account, { by: 'a without a lease' }), FencedOut, 'no lease, no writes');
    assert.deepEqual(await asA.sessions.load(account), { by: 'b' }, 'reads go straight to the store');
  });

  it("the rest of an account's writes are fenced too: iLink seen keys, timeline entries, the name it logged in as", async () => {
    const account = (await store.accounts.create({ name: 'fenced rest', transport: 'ilink' })).id;
    const asA = fencedStore(store, account, () => 1);
    const asB = fencedStore(store, account, () => 2);
    await store.fences.raise(account, 1, 1000);
    await asA.seenKeys(account).remember(['id:1'], 1000);
    await asA.timeline.add(account, 1000, 'online', {});
    await asA.transaction((tx) => tx.accounts.update(account, { selfName: 'A' }));
    await store.fences.raise(account, 2, 1000);
    await assert.rejects(asA.seenKeys(account).remember(['id:2'], 2000), FencedOut, 'a stale node marks no message seen (the holder would skip it)');
    await assert.rejects(asA.seenKeys(account).prune(5000), FencedOut);
    await assert.rejects(asA.timeline.add(account, 2000, 'logout', { reason: 'kicked' }), FencedOut);
    await assert.rejects(
      asA.transaction((tx) => tx.accounts.update(account, { selfName: 'stale A' })),
      FencedOut,
    );
    assert.deepEqual([...(await asA.seenKeys(account).seen(['id:1', 'id:2'])).keys()], ['id:1'], 'reads go straight to the store');
    await asB.seenKeys(account).remember(['id:2'], 2000);
    assert.deepEqual([...(await store.seenKeys(account).seen(['id:1', 'id:2'])).keys()].sort(), ['id:1', 'id:2']);
    assert.deepEqual(
      (await store.timeline.list(account)).map((r) => r.kind),
      ['online'],
    );
    assert.equal((await store.accounts.get(account))?.selfName, 'A');
  });

  it('a write frozen mid-transaction holds the raise back until its session is ended', async () => {
    const account = (await store.accounts.create({ name: 'frozen', transport: 'web' })).id;
    await store.fences.raise(account, 1, 1000);
    // The old holder checked its token in a transaction, then froze (SIGSTOP) before committing.
    const frozen = new pg.Client({ connectionString: await databaseUrlFor(dataDir) });
    frozen.on('error', () => {}); // ended by the server below
    await frozen.connect();
    await frozen.query('begin');
    await frozen.query('select token from account_fences where account_id = $1 for share', [account]);
    await assert.rejects(store.fences.raise(account, 2, 200), (e: unknown) => isLockTimeout(e));
    const other = (await store.accounts.create({ name: 'not frozen', transport: 'web' })).id;
    await assert.rejects(
      store.fences.raiseAll(
        [
          { account: other, token: 2 },
          { account, token: 2 },
        ],
        200,
      ),
      (e: unknown) => isLockTimeout(e),
      'a batch waits for its frozen row too, and raises none of its rows',
    );
    assert.equal(await store.fences.current(other), 0);
    assert.equal(await store.fences.endFrozenSessions(600_000), 0, 'a session idle for less than a lease is left alone');
    let ended = 0;
    await waitUntil(async () => (ended = await store.fences.endFrozenSessions(300)) > 0, 60_000, 'the frozen session to be idle for 300 ms');
    assert.equal(ended, 1);
    assert.equal(await store.fences.raise(account, 2, 1000), 2);
    await frozen.end().catch(() => {});
  });

  it('a send is refused once the lease is no longer ours with the same token', async () => {
    const leases = new LeaseStore(redis.client, 'node-a', 60_000);
    const token = (await leases.acquire('acc-send'))!;
    const sent: string[] = [];
    const raw = {
      sendText: async (to: string, text: string) => {
        sent.push(text);
        return { id: String(sent.length), chatId: to, sentAt: 1 };
      },
      contacts: () => [],
    } as unknown as Transport;
    const t = fencedTransport(raw, 'acc-send', () => leases.holds('acc-send', token));
    await t.sendText('friend', 'while held');
    assert.deepEqual(t.contacts(), [], 'reads pass through');
    await redis.client.del(clusterKeys.lease('acc-send'));
    const other = new LeaseStore(redis.client, 'node-b', 60_000);
    assert.ok(await other.acquire('acc-send'));
    await assert.rejects(t.sendText('friend', 'after the takeover'), (e: unknown) => e instanceof TransportError && e.kind === 'logged-out');
    assert.deepEqual(sent, ['while held']);
  });
});
