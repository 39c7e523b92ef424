// The event log pruned in seq order without an index of times (migration 160): the rows before the oldest young one
// go, a young row keeps the rows after it, seqs are not handed out again after a prune, readers after a seq still get
// every row after it; and the migration on a database that already holds events. Both engines.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore, openStore, type Store } from '../../src/store/index.js';
import { openDatabase } from '../../src/store/database.js';
import { openTestStore, TEST_SECRET_KEY } from '../helpers/store.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { migratePostgresBefore, scratch, sqliteMigrationsBefore, sqliteIndexes } from './fixtures/migration-steps.js';

const { root, opened } = scratch('weiroto-event-log-prune-');

const MIGRATION = 160;
const event = (at: number, account = 'acc') => ({ type: 'message.received', account, at, body: `{"at":${at}}` });
const seqsAfter = async (store: Store, after = 0): Promise<number[]> => (await store.eventLog.read({ after })).map((e) => e.seq);
const times = async (store: Store): Promise<number[]> => (await store.eventLog.read({ after: 0 })).map((e) => e.at);

/** Events at 10, 20, 30 (seq 1-3) and more; a prune before 25 drops 10 and 20, keeps the rest and their order. */
async function prunesInSeqOrder(store: Store): Promise<void> {
  for (const at of [10, 20, 30, 40]) await store.eventLog.insert(event(at));
  assert.equal(await store.eventLog.prune(25), 2);
  assert.deepEqual(await times(store), [30, 40]);
  const [third] = await seqsAfter(store);
  assert.deepEqual(await seqsAfter(store, third!), [third! + 1], 'a reader after a kept seq gets the rest');
  assert.equal(await store.eventLog.prune(25), 0, 'nothing older left');
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`the event log's prune on ${kind}`, () => {
    it('drops the rows before the oldest one still young, in seq order', async () => {
      const store = await openTestStore({ dataDir: mkdtempSync(join(root, 's-')), kind });
      opened.push(store);
      await prunesInSeqOrder(store);
    });

    it('keeps an old row that comes after a young one (a backlog dated back), until the young one is old too', async () => {
      const store = await openTestStore({ dataDir: mkdtempSync(join(root, 's-')), kind });
      opened.push(store);
      for (const at of [10, 50, 15, 60]) await store.eventLog.insert(event(at, at === 15 ? 'other' : 'acc'));
      assert.equal(await store.eventLog.prune(40), 1);
      assert.deepEqual(await times(store), [50, 15, 60]);
      assert.equal(await store.eventLog.prune(55), 2);
      assert.deepEqual(await times(store), [60]);
    });

    it('drops every row when all are old, and the next row still gets a seq after every seq handed out', async () => {
      const store = await openTestStore({ dataDir: mkdtempSync(join(root, 's-')), kind });
      opened.push(store);
      for (const at of [10, 20]) await store.eventLog.insert(event(at));
      const last = await store.eventLog.lastSeq();
      assert.equal(await store.eventLog.prune(100), 2);
      assert.deepEqual(await times(store), []);
      await store.eventLog.insert(event(110));
      const [next] = await seqsAfter(store, last);
      assert.ok(next! > last, `seq ${next} after ${last}`);
    });
  });
}

describe('migration 160 on a database holding events', () => {
  it('SQLite: drops event_log_at, keeps the rows, and reads and prunes answer', async () => {
    const dataDir = mkdtempSync(join(root, 'm-'));
    mkdirSync(dataDir, { recursive: true });
    const db = openDatabase(dataDir, { migrationsDir: sqliteMigrationsBefore(root, MIGRATION) });
    const ins = db.prepare("insert into event_log (type, account, at, body) values ('message.received', 'acc', ?, '{}')");
    for (const at of [1, 2, 3]) ins.run(at);
    assert.ok(sqliteIndexes(db, 'event_log').includes('event_log_at'), 'the older schema has it');
    db.close();
    const store = openStore({ dataDir });
    opened.push(store);
    assert.deepEqual(await times(store), [1, 2, 3]);
    assert.deepEqual((await store.eventLog.read({ after: 0, accounts: ['acc'] })).length, 3);
    assert.equal(await store.eventLog.lastSeq(), 3);
    assert.equal(await store.eventLog.prune(4), 3);
    await prunesInSeqOrder(store);
    const after = openDatabase(dataDir);
    const left = sqliteIndexes(after, 'event_log');
    after.close();
    assert.deepEqual(left, ['event_log_account']);
  });

  it('PostgreSQL: drops event_log_at, keeps the rows, and reads and prunes answer', async () => {
    const url = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await migratePostgresBefore(pool, MIGRATION);
      await pool.query("insert into event_log (type, account, at, body) values ('message.received', 'acc', 1, '{}'), ('message.received', 'acc', 2, '{}')");
      const indexes = async () =>
        (await pool.query<{ indexname: string }>("select indexname from pg_indexes where tablename = 'event_log'")).rows.map((r) => r.indexname);
      assert.ok((await indexes()).includes('event_log_at'), 'the older schema has it');
      const store = await openPostgresStore({ url, secretKey: TEST_SECRET_KEY });
      opened.push(store);
      assert.deepEqual(await times(store), [1, 2]);
      assert.equal(await store.eventLog.lastSeq(), 2);
      assert.equal(await store.eventLog.prune(3), 2);
      await prunesInSeqOrder(store);
      assert.deepEqual((await indexes()).sort(), ['event_log_account', 'event_log_pkey']);
    } finally {
      await pool.end();
    }
  });
});
