// The repositories written once against the port, run on both engines: SQLite in a data folder and a
// real PostgreSQL server (test/helpers/postgres.ts). Each case opens a fresh store per engine; the
// races are raced between several stores over one database (nodes on PostgreSQL; calls of one store on SQLite).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inAccountLine, openPostgresStore, type Store } from '../../src/store/index.js';
import { openTestStore, type StoreKind } from '../helpers/store.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { endpointRow } from '../helpers/endpoint-row.js';
import { waitUntil } from '../../src/testing/wait.js';
import { holdTransaction } from '../helpers/held-transaction.js';

const root = mkdtempSync(join(tmpdir(), 'weiroto-both-'));
const opened: Store[] = [];
after(async () => {
  await Promise.all(opened.map((s) => s.close()));
  rmSync(root, { recursive: true, force: true });
});

async function fresh(kind: StoreKind, now?: () => number): Promise<Store> {
  return (await nodes(kind, 1, now))[0]!;
}

/**
 * `n` stores over one database, as `n` nodes open it on PostgreSQL: each node runs its own calls in order, so races are
 * between nodes. On SQLite the racers are `n` handles on one store: its group commit holds the write lock until the
 * burst ends, so a second connection in the same thread would wait for it synchronously and never see it end (other
 * processes wait for the COMMIT instead; one process has one store).
 */
async function nodes(kind: StoreKind, n: number, now?: () => number): Promise<Store[]> {
  const dataDir = mkdtempSync(join(root, 's-'));
  const stores: Store[] = [];
  for (let i = 0; i < (kind === 'sqlite' ? 1 : n); i++) stores.push(await openTestStore({ dataDir, kind, ...(now && { now }) }));
  opened.push(...stores);
  return Array.from({ length: n }, (_, i) => stores[i % stores.length]!);
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`repositories on ${kind}`, () => {
    it('accounts: create, patch one field without losing the others, purge with everything keyed by the account', async () => {
      const store = await fresh(kind);
      const a = await store.accounts.create({ name: 'Ann', id: 'a1', transport: 'ilink' });
      assert.equal(a.transport, 'ilink');
      assert.equal(typeof a.createdAt, 'number', '64-bit times come back as numbers');
      await store.accounts.update('a1', { selfName: 'me' });
      const patched = await store.accounts.update('a1', { enabled: false });
      assert.deepEqual([patched?.name, patched?.selfName, patched?.enabled], ['Ann', 'me', false]);
      assert.equal(await store.accounts.update('nobody', { name: 'x' }), undefined);
      await store.sessions.save('a1', { skey: 'secret' });
      assert.deepEqual(await store.sessions.load('a1'), { skey: 'secret' });
      await store.kv.set('plugin:ai:a1', 'k', { n: 1 });
      await store.kv.set('plugin:ai:a1', 'k', { n: 2 });
      assert.deepEqual(await store.kv.get('plugin:ai:a1', 'k'), { n: 2 });
      await store.directory.replaceAll('a1', [{ id: 'c1', name: 'Bob', kind: 'friend' } as never], [{ id: 'r1', topic: 'T', memberCount: 2 } as never]);
      assert.equal((await store.directory.contacts('a1')).length, 1);
      await store.timeline.add('a1', 1, 'login', {});
      await store.accounts.purge('a1');
      assert.deepEqual(await store.accounts.list(), []);
      assert.equal(await store.kv.get('plugin:ai:a1', 'k'), undefined);
      assert.deepEqual(await store.directory.contacts('a1'), []);
      assert.deepEqual(await store.timeline.list('a1'), []);
      assert.equal(await store.sessions.load('a1'), undefined, 'the session goes with the account');
    });

    it('statistics add up, a chat counts once a day, timeline keeps ids in order', async () => {
      const store = await fresh(kind);
      await store.stats.add('a1', '2026-01-01', 'received');
      await store.stats.add('a1', '2026-01-01', 'received', 2);
      assert.equal(await store.stats.touchChat('a1', '2026-01-01', 'c1'), true);
      assert.equal(await store.stats.touchChat('a1', '2026-01-01', 'c1'), false);
      const [day] = await store.stats.range('a1', '2026-01-01', '2026-01-01');
      assert.deepEqual([day?.received, day?.activeChats], [3, 1]);
      const first = await store.timeline.add('a1', 5, 'login', { code: 1 });
      const second = await store.timeline.add('a1', 6, 'logout', {});
      assert.ok(second.id > first.id);
      assert.deepEqual(
        (await store.timeline.list('a1')).map((r) => r.kind),
        ['logout', 'login'],
      );
    });

    it('transactions commit together or not at all', async () => {
      const store = await fresh(kind);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.accounts.create({ name: 'x', id: 'gone' });
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.accounts.get('gone'), undefined);
      await store.transaction(async (tx) => {
        await tx.accounts.create({ name: 'y', id: 'kept' });
        await tx.audit.record({ actor: 'test', action: 'made' });
      });
      assert.equal((await store.accounts.get('kept'))?.name, 'y');
      assert.equal((await store.audit.list())[0]?.action, 'made');
    });

    it('Idempotency-Key: of five racing claims exactly one is new', async () => {
      const racers = await nodes(kind, 5);
      const store = racers[0]!;
      const answers = await Promise.all(racers.map((node) => node.idempotency.begin('tok', 'same', 'h')));
      assert.deepEqual(answers.map((a) => a.kind).sort(), ['new', 'running', 'running', 'running', 'running']);
      await store.idempotency.finish('tok', 'same', { status: 202, body: { id: 'x' } });
      assert.deepEqual(await store.idempotency.begin('tok', 'same', 'h'), { kind: 'replay', answer: { status: 202, body: { id: 'x' } } });
      assert.deepEqual(await store.idempotency.begin('tok', 'same', 'other'), { kind: 'mismatch' });
    });

    it('the first admin: of three racing setups exactly one wins; names compare without case', async () => {
      const racers = await nodes(kind, 3);
      const store = racers[0]!;
      const made = await Promise.all(
        ['ann', 'bob', 'cid'].map((username, i) => racers[i]!.adminUsers.createFirst({ username, passwordHash: 'h', role: 'admin' })),
      );
      assert.equal(made.filter(Boolean).length, 1);
      const winner = made.find(Boolean)!;
      assert.equal((await store.adminUsers.byName(winner.username.toUpperCase()))?.user.id, winner.id);
      await assert.rejects(store.adminUsers.create({ username: winner.username.toUpperCase(), passwordHash: 'h', role: 'viewer' }));
      const session = await store.adminUsers.createSession(winner.id, 60_000);
      assert.equal((await store.adminUsers.session(session.id))?.user.id, winner.id);
    });

    it('API tokens verify and revoke; ensureToken twice keeps one row', async () => {
      const [store, other] = (await nodes(kind, 2)) as [Store, Store];
      const { token, record } = await store.apiTokens.create('ci');
      assert.equal((await store.apiTokens.verify(token))?.id, record.id);
      const ensured = await Promise.all([store.apiTokens.ensureToken('wrt_fixed'), other.apiTokens.ensureToken('wrt_fixed')]);
      assert.equal(ensured[0].id, ensured[1].id);
      assert.equal(await store.apiTokens.revoke(record.id), true);
      assert.equal(await store.apiTokens.verify(token), undefined);
    });

    it('webhooks: sealed secrets rotate with overlap; a delivery is inserted once, claimed once, queued per chat', async () => {
      const [store, other] = (await nodes(kind, 2)) as [Store, Store];
      const endpoint = endpointRow({ id: 'ep', url: 'http://127.0.0.1:9/h' });
      await store.webhookEndpoints.insert(endpoint, 'whsec_one', 1);
      assert.equal(await store.webhookEndpoints.rotate('ep', 'whsec_two', 100, 10), true);
      assert.deepEqual(await store.webhookEndpoints.signingSecrets('ep', 50), ['whsec_two', 'whsec_one']);
      assert.equal((await store.webhookEndpoints.update('ep', { enabled: false }, 11))?.url, endpoint.url);
      const row = (webhookId: string, chatKey: string) => ({
        webhookId,
        endpointId: 'ep',
        eventType: 'message.received',
        account: 'a1',
        chatKey,
        body: '{}',
        at: 1,
        giveUpAt: 99,
      });
      const first = (await store.webhookDeliveries.insert(row('m1', 'c1')))!;
      assert.equal(await store.webhookDeliveries.insert(row('m1', 'c1')), undefined);
      await store.webhookDeliveries.insert(row('m2', 'c1'));
      const otherChat = (await store.webhookDeliveries.insert(row('m3', 'c2')))!;
      assert.deepEqual(
        (await store.webhookDeliveries.pendingHeads(10)).map((d) => d.id),
        [first, otherChat],
        'one head per chat',
      );
      const claims = await Promise.all([store.webhookDeliveries.claim([first], 2), other.webhookDeliveries.claim([first], 2)]);
      assert.deepEqual(claims.flat(), [first], 'claimed once');
      await store.webhookDeliveries.recordAttempt({ deliveryId: first, at: 3, statusCode: 200, durationMs: 4 });
      await store.webhookDeliveries.markDelivered(first, 200, 3);
      assert.deepEqual(await store.webhookDeliveries.counts(undefined), { pending: 2, delivering: 0, delivered: 1, dead: 0 });
      assert.equal((await store.webhookDeliveries.attempts(first)).length, 1);
      await store.eventLog.insert({ type: 'message.received', account: 'a1', at: 1, body: '{}' });
      assert.equal(await store.eventLog.lastSeq(), 1);
    });

    it('messages: inserted once, paged newest first per account and chat, searched by substring in any script and case', async () => {
      const store = await fresh(kind);
      const texts = ['Order number 42 shipped', '明天下午三点开会', 'the price is 100%', 'PRICE list', 'nothing here'];
      for (const [i, text] of texts.entries()) {
        const m = {
          id: `m${i}`,
          type: 'text' as const,
          chatId: i % 2 ? '@b' : '@a',
          senderId: '@p',
          toId: '@me',
          isSelf: false,
          text,
          mentionsSelf: false,
          mentions: [],
          createdAt: 1000 + i,
        };
        assert.equal(await store.messages.insert('a1', m, i % 2 ? 'Bob' : 'Ann'), true);
      }
      assert.equal(
        await store.messages.insert('a1', {
          id: 'm0',
          type: 'text',
          chatId: '@a',
          senderId: '@p',
          toId: '@me',
          isSelf: false,
          text: 'x',
          mentionsSelf: false,
          mentions: [],
          createdAt: 1,
        }),
        false,
      );
      const ids = async (q: Parameters<Store['messages']['list']>[1]) => (await store.messages.list('a1', q)).items.map((m) => m.id);
      assert.deepEqual(await ids({}), ['m4', 'm3', 'm2', 'm1', 'm0']);
      assert.deepEqual(await ids({ chatId: '@b' }), ['m3', 'm1']);
      const first = await store.messages.list('a1', { limit: 2 });
      assert.deepEqual(await ids({ beforeSeq: first.next!, limit: 2 }), ['m2', 'm1'], 'keyset paging continues below the cursor');
      assert.deepEqual(await ids({ text: '下午三点' }), ['m1']);
      assert.deepEqual(await ids({ text: 'price' }), ['m3', 'm2'], 'case-insensitive');
      assert.deepEqual(await ids({ text: '0%' }), ['m2'], 'LIKE wildcards are plain text');
      assert.deepEqual(await ids({ text: 'ORDER NUM' }), ['m0']);
      assert.deepEqual(await ids({ text: 'price', chatId: '@a' }), ['m2']);
      assert.deepEqual(await store.messages.recentChats('a1', 5), [
        { chatId: '@a', last: 1004, name: 'Ann' },
        { chatId: '@b', last: 1003, name: 'Bob' },
      ]);
      assert.equal(await store.messages.markRecalled('a1', 'm4'), true);
      assert.equal((await store.messages.get('a1', 'm4'))?.recalled, true);
      assert.equal(await store.messages.count('a1'), 5);
    });

    it('outbound: an idempotency key enqueues once under a race; crash recovery requeues; the echo is found once', async () => {
      const [store, other] = (await nodes(kind, 2)) as [Store, Store];
      const row = (id: string, key?: string) => ({
        id,
        account: 'a1',
        chatId: '@c',
        type: 'text' as const,
        text: 'hi',
        createdAt: 10,
        ...(key && { idempotencyKey: key }),
      });
      const raced = await Promise.all([store.outbound.enqueue(row('o1', 'k')), other.outbound.enqueue(row('o2', 'k'))]);
      assert.deepEqual(raced.map((r) => r.created).sort(), [false, true]);
      assert.equal(raced[0].record.id, raced[1].record.id, 'both callers get the one row');
      const file = await store.outbound.enqueue({ ...row('o3'), type: 'file', file: { name: 'a.bin', data: Buffer.from([0, 1, 255]) } });
      assert.deepEqual((await store.outbound.payload(file.record.id)).file?.data, Buffer.from([0, 1, 255]), 'bytes round-trip');
      const first = raced.find((r) => r.created)!.record.id;
      await store.outbound.markHanded(first, 20, 1);
      assert.deepEqual(
        (await store.outbound.recover('a1')).map((r) => r.id),
        [first, 'o3'],
        'a row cut off mid-send is queued again, in order',
      );
      await store.messages.insert('a1', {
        id: 'w1',
        type: 'text',
        chatId: '@c',
        senderId: '@me',
        toId: '@c',
        isSelf: true,
        text: 'hi',
        mentionsSelf: false,
        mentions: [],
        createdAt: 25,
      });
      const record = (await store.outbound.get(first))!;
      assert.equal(await store.outbound.findEcho(record, 20), 'w1');
      await store.outbound.markSent(first, 'w1', 26, 1);
      await store.outbound.markRetry('o3', { message: 'net' }, 1, 24);
      assert.equal((await store.outbound.get('o3'))!.handedAt, 24, 'a hand-over with no known outcome is recorded (its echo is looked for next)');
      assert.equal(await store.outbound.findEcho({ ...record, id: 'other' }, 20), undefined, 'an echo claimed by a sent row is not found again');
      assert.equal(await store.outbound.countSentSince('a1', 0), 1);
      assert.deepEqual(await store.outbound.pendingByAccount(), [{ account: 'a1', count: 1 }]);
    });

    it('seen keys: remembered once per account, pruned by age', async () => {
      const store = await fresh(kind);
      const keys = store.seenKeys('a1');
      await keys.remember(['k1', 'k2'], 10);
      await keys.remember(['k1'], 20);
      assert.deepEqual([...(await keys.seen(['k1', 'k3']))], [['k1', 10]]);
      await keys.prune(15);
      assert.equal((await keys.seen(['k1'])).size, 0);
    });

    it('account fences: several raised in one call, each to the highest token asked, never lowered', async () => {
      const store = await fresh(kind);
      assert.equal(await store.fences.raise('a1', 5, 1000), 5);
      const standing = await store.fences.raiseAll(
        [
          { account: 'a1', token: 3 },
          { account: 'a2', token: 7 },
          { account: 'a3', token: 1 },
          { account: 'a3', token: 2 },
        ],
        1000,
      );
      assert.deepEqual(standing, { a1: 5, a2: 7, a3: 2 });
      assert.deepEqual(await store.fences.raiseAll([{ account: 'a2', token: 9 }], 1000), { a2: 9 });
      assert.deepEqual([await store.fences.current('a1'), await store.fences.current('a2'), await store.fences.current('a3')], [5, 9, 2]);
      assert.deepEqual(await store.fences.raiseAll([], 1000), {});
    });
  });
}

describe('PostgreSQL store', () => {
  it('three nodes opening one new database at once migrate it once, and share what they write', async () => {
    const url = await createTestDatabase();
    const key = 'ab'.repeat(32);
    const nodes = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url, secretKey: key })));
    opened.push(...nodes);
    const client = new pg.Client(url);
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>('select count(*) as n from schema_migrations group by version having count(*) > 1');
      assert.equal(rows.length, 0, 'each migration recorded once');
    } finally {
      await client.end();
    }
    await nodes[0]!.accounts.create({ name: 'a', id: 'a1' });
    await nodes[0]!.sessions.save('a1', { sid: 's' });
    assert.deepEqual(await nodes[2]!.sessions.load('a1'), { sid: 's' }, 'sealed on one node, opened on another with the same SECRET_KEY');
    assert.equal(await nodes[1]!.ping(), true);
  });

  it("checks an API token while the node's line of account writes is held (a token check does not wait behind them)", async () => {
    const store = await fresh('postgres');
    const { token } = await store.apiTokens.create('busy node');
    // The node's line is held by a transaction (as by 300 accounts' writes in a row) until the check has answered.
    let checked = false;
    let endWrites!: () => void;
    const writesEnd = new Promise<void>((r) => (endWrites = r));
    const writes = store.transaction(async (tx) => {
      await tx.accounts.create({ name: 'writing', id: 'w1' });
      await writesEnd;
    });
    const queued = store.accounts.get('w1');
    const check = store.apiTokens.verify(token).then((t) => ((checked = true), t));
    try {
      await waitUntil(() => checked, 10_000, 'the token check to answer while the writes hold the line');
    } finally {
      endWrites();
    }
    assert.equal((await check)?.name, 'busy node');
    await writes;
    assert.equal((await queued)?.name, 'writing', 'a call of the accounts queued behind the transaction still sees its write');
  });

  it("a node's out-of-line reads and fence raises do not wait behind its calls in line", async () => {
    const store = await fresh('postgres');
    await store.accounts.create({ name: 'a', id: 'a1' });
    await store.sessions.save('a1', { sid: 's' });
    // A transaction holds this node's line (every other call of the node waits until it ends).
    const held = await holdTransaction(store);
    let inLine = false;
    const waiting = store.sessions.load('a1').then(() => (inLine = true));
    assert.deepEqual(await store.outOfLine.sessions.load('a1'), { sid: 's' });
    assert.deepEqual(await store.fences.raiseAll([{ account: 'a1', token: 3 }], 1000), { a1: 3 });
    assert.equal(inLine, false, 'the call in line still waits for the transaction');
    await held.end();
    await waiting;
    assert.equal(inLine, true);
  });

  it("runs each account's calls in a line of its own: another account's transaction does not hold them, its own does", async () => {
    // Opened as a node opens it: the suite's test stores are copies (their calls counted), which keep one line.
    const store = await openPostgresStore({ url: await createTestDatabase(), secretKey: 'ab'.repeat(32) });
    opened.push(store);
    for (const id of ['a1', 'b1']) await store.accounts.create({ name: id, id });
    const a = inAccountLine(store, 'a1');
    const b = inAccountLine(store, 'b1');
    assert.equal(inAccountLine(store, 'a1'), a, 'the same line every time');
    // A transaction of a1 holds a1's line, as a burst of its messages being stored would.
    const held = await holdTransaction(a);
    const done = new Set<string>();
    const aSave = a.sessions.save('a1', { sid: 'a-new' }).then(() => done.add('a1 save'));
    const purge = store.accounts.purge('a1').then(() => done.add('a1 purge'));
    try {
      let answered = false;
      const others = Promise.all([b.sessions.save('b1', { sid: 'b' }), store.accounts.get('a1')]).then(([, row]) => ((answered = true), row));
      await waitUntil(() => answered, 10_000, "b1's call and the node's own to answer while a1's line is held");
      assert.equal((await others)?.name, 'a1', "the node's read came before the purge queued behind a1's line");
      assert.deepEqual(await b.sessions.load('b1'), { sid: 'b' });
      assert.deepEqual([...done], [], "a1's own call, and the node's purge of a1, still wait behind a1's transaction");
    } finally {
      await held.end();
    }
    await Promise.all([aSave, purge]);
    assert.deepEqual([...done], ['a1 save', 'a1 purge'], 'in the order they were made');
    assert.equal(await store.sessions.load('a1'), undefined, 'the purge came after the save: nothing of a1 is left');
  });

  it('gives an account line only to a store it opened: SQLite and copies of a store run their calls themselves', async () => {
    const sqlite = await fresh('sqlite');
    assert.equal(inAccountLine(sqlite, 'a1'), sqlite);
    const store = await openPostgresStore({ url: await createTestDatabase(), secretKey: 'ab'.repeat(32) });
    opened.push(store);
    assert.notEqual(inAccountLine(store, 'a1'), store);
    const copy = { ...store };
    assert.equal(inAccountLine(copy, 'a1'), copy, 'a copy with some methods replaced (tests) keeps them');
  });

  it('refuses to start without SECRET_KEY, and says why when the server is away', async () => {
    await assert.rejects(openPostgresStore({ url: 'postgres://127.0.0.1:1/x', secretKey: undefined }), /DATABASE_URL needs SECRET_KEY/);
    await assert.rejects(
      openPostgresStore({ url: 'postgres://127.0.0.1:1/x', secretKey: 'ab'.repeat(32) }),
      /Cannot open the PostgreSQL store: .*ECONNREFUSED/,
    );
  });
});
