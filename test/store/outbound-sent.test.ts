// The echo lookup's claim check without an index of MsgIds (migration 150): whether a sent row claims an own message is
// read from the account's rows sent since shortly before the hand-over (outbound_sent, in the order they were sent);
// today's sent rows are counted through the same index; and the migration on a database that already holds sent rows.
// Both engines.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore, openStore, type Store } from '../../src/store/index.js';
import { openDatabase } from '../../src/store/database.js';
import type { Message } from '../../src/transport/model.js';
import { openTestStore, TEST_SECRET_KEY } from '../helpers/store.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { migratePostgresBefore, scratch, sqliteMigrationsBefore, sqliteIndexes } from './fixtures/migration-steps.js';

const { root, opened } = scratch('weiroto-outbound-sent-');

const MIGRATION = 150;
const HANDED_AT = 10_000_000;
/** What the queue passes: the hand-over less its allowance for skewed clocks. */
const SINCE = HANDED_AT - 60_000;

/** An own text 'hi' in chat @c, written by WeChat at `createdAt`. */
function own(id: string, createdAt: number): Message {
  return { id, type: 'text', chatId: '@c', senderId: '@me', toId: '@c', isSelf: true, text: 'hi', mentionsSelf: false, mentions: [], createdAt };
}

const row = (id: string) => ({ id, account: 'acc', chatId: '@c', type: 'text' as const, text: 'hi', createdAt: HANDED_AT - 100 });

/** After the migration, with w1 claimed by a row sent before it: a new row's echo is w2, and one row was sent since SINCE. */
async function claimsAfterMigration(store: Store): Promise<void> {
  await store.messages.insert('acc', own('w1', SINCE + 1000));
  await store.messages.insert('acc', own('w2', SINCE + 2000));
  const { record } = await store.outbound.enqueue(row('new'));
  assert.equal(await store.outbound.findEcho(record, SINCE), 'w2', "w1 is the older row's");
  assert.equal(await store.outbound.countSentSince('acc', SINCE), 1);
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`the echo claim check on ${kind}`, () => {
    it('sees a claim marked sent minutes before the hand-over (a WeChat clock ahead of ours), and counts sent rows by time', async () => {
      const store = await openTestStore({ dataDir: mkdtempSync(join(root, 's-')), kind });
      opened.push(store);
      await store.messages.insert('acc', own('w1', SINCE + 1000));
      await store.messages.insert('acc', own('w2', SINCE + 2000));
      // WeChat dates its messages five minutes ahead of our clock: w1's sender was marked sent before SINCE.
      await store.outbound.enqueue(row('claimer'));
      await store.outbound.markSent('claimer', 'w1', SINCE - 5 * 60_000, 1);
      const { record } = await store.outbound.enqueue(row('o2'));
      assert.equal(await store.outbound.findEcho(record, SINCE), 'w2', "w1 is the claimer's");
      await store.outbound.markSent('o2', 'w2', HANDED_AT + 5000, 1);
      assert.equal(await store.outbound.findEcho({ ...record, id: 'o3' }, SINCE), undefined, 'both are claimed');
      assert.equal(await store.outbound.countSentSince('acc', SINCE), 1, 'sent since: o2');
      assert.equal(await store.outbound.countSentSince('acc', 0), 2);
      assert.equal(await store.outbound.countSentSince('other', 0), 0, 'per account');
    });
  });
}

describe('migration 150 on a database holding sent rows', () => {
  it('SQLite: replaces outbound_wechat by outbound_sent, and a claim made before it still counts', async () => {
    const dataDir = mkdtempSync(join(root, 'm-'));
    mkdirSync(dataDir, { recursive: true });
    const db = openDatabase(dataDir, { migrationsDir: sqliteMigrationsBefore(root, MIGRATION) });
    db.prepare(
      `insert into outbound (id, account_id, chat_id, type, text, status, wechat_id, created_at, sent_at) values ('old', 'acc', '@c', 'text', 'hi', 'sent', 'w1', ?, ?)`,
    ).run(HANDED_AT - 200, SINCE + 1500);
    assert.ok(sqliteIndexes(db, 'outbound').includes('outbound_wechat'), 'the older schema has it');
    db.close();
    const store = openStore({ dataDir });
    opened.push(store);
    await claimsAfterMigration(store);
    const after = openDatabase(dataDir);
    const left = sqliteIndexes(after, 'outbound');
    after.close();
    assert.deepEqual(left, ['outbound_idempotency', 'outbound_pending', 'outbound_sent', 'sqlite_autoindex_outbound_1']);
  });

  it('PostgreSQL: replaces outbound_wechat by outbound_sent, and a claim made before it still counts', async () => {
    const url = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await migratePostgresBefore(pool, MIGRATION);
      await pool.query(
        `insert into outbound (id, account_id, chat_id, type, text, status, wechat_id, created_at, sent_at) values ('old', 'acc', '@c', 'text', 'hi', 'sent', 'w1', $1, $2)`,
        [HANDED_AT - 200, SINCE + 1500],
      );
      const indexes = async () =>
        (await pool.query<{ indexname: string }>("select indexname from pg_indexes where tablename = 'outbound'")).rows.map((r) => r.indexname);
      assert.ok((await indexes()).includes('outbound_wechat'), 'the older schema has it');
      const store = await openPostgresStore({ url, secretKey: TEST_SECRET_KEY });
      opened.push(store);
      await claimsAfterMigration(store);
      assert.deepEqual((await indexes()).sort(), ['outbound_id_key', 'outbound_idempotency', 'outbound_pending', 'outbound_pkey', 'outbound_sent']);
    } finally {
      await pool.end();
    }
  });
});
