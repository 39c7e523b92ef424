// The panel's recent chats without an index of message times per chat (migration 140): each chat's time is that of its
// newest stored message, read through messages_chat_seq; the migration on a database that already holds messages; and
// the echo lookup of a handed send, which read the chat's rows through the dropped index before; a chat's name from its
// newest rows only. Both engines.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore, openStore, type Store } from '../../src/store/index.js';
import { NAME_LOOK_BACK } from '../../src/store/messages-repo.js';
import { openDatabase } from '../../src/store/database.js';
import type { Message } from '../../src/transport/model.js';
import { openTestStore, TEST_SECRET_KEY } from '../helpers/store.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { migratePostgresBefore, scratch, sqliteMigrationsBefore, sqliteIndexes } from './fixtures/migration-steps.js';

const { root, opened } = scratch('weiroto-recent-');

const MIGRATION = 140;

function message(id: string, chatId: string, createdAt: number, extra: Partial<Message> = {}): Message {
  return {
    id,
    type: 'text',
    chatId,
    senderId: chatId,
    toId: '@me',
    isSelf: false,
    text: `text of ${id}`,
    mentionsSelf: false,
    mentions: [],
    createdAt,
    ...extra,
  };
}

/**
 * Stored in this order: @z first and last (its newest is the newest of all), @a's newest after @m's but sent before,
 * a backlog message of @b stored last of the others but sent before all but @z's first, and a person (stable id wxid_p)
 * under two web ids, the newer one written to later.
 */
const STORED: [Message, string, string?][] = [
  [message('z1', '@z', 1000), 'Zed'],
  [message('m1', '@m', 2000), 'Mia'],
  [message('a1', '@a', 1500), 'Ann'],
  [message('a2', '@a', 3000), 'Ann'],
  [message('p1', '@p-old', 2500), 'Pat', 'wxid_p'],
  [message('p2', '@p-new', 3500), 'Pat', 'wxid_p'],
  [message('b1', '@b', 1200), 'Bob'],
  [message('z2', '@z', 4000), 'Zed'],
];
/** Newest message time first; the backlog by its own time, not by when it was stored; one entry per person. */
const EXPECTED = [
  { chatId: '@z', last: 4000, name: 'Zed' },
  { chatId: '@p-new', last: 3500, name: 'Pat', stableId: 'wxid_p' },
  { chatId: '@a', last: 3000, name: 'Ann' },
  { chatId: '@m', last: 2000, name: 'Mia' },
  { chatId: '@b', last: 1200, name: 'Bob' },
];

async function storeAll(store: Store): Promise<void> {
  for (const [m, name, stableId] of STORED) await store.messages.insert('acc', m, name, stableId);
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`recent chats on ${kind}`, () => {
    it('lists the chats by the time of their newest message, newest first, a backlog stored late at its own time', async () => {
      const store = await openTestStore({ dataDir: mkdtempSync(join(root, 's-')), kind });
      opened.push(store);
      await storeAll(store);
      assert.deepEqual(await store.messages.recentChats('acc', 10), EXPECTED);
      assert.deepEqual(await store.messages.recentChats('acc', 2), EXPECTED.slice(0, 2), 'the limit keeps the newest');
      assert.deepEqual(await store.messages.recentChats('other', 10), [], 'per account');
    });

    it(`names a chat from its ${NAME_LOOK_BACK} newest messages, not from any older one`, async () => {
      const store = await openTestStore({ dataDir: mkdtempSync(join(root, 'n-')), kind });
      opened.push(store);
      // @near's name and identity are on its NAME_LOOK_BACK-th newest message, @far's one message further back: the
      // rows after them carry none (the bot's own replies in a chat the directory does not know).
      for (const [chat, unnamed] of [
        ['@near', NAME_LOOK_BACK - 1],
        ['@far', NAME_LOOK_BACK],
      ] as const) {
        await store.messages.insert('acc', message(`${chat}-named`, chat, 1000), `${chat} name`, `wxid${chat}`);
        for (let i = 0; i < unnamed; i++) await store.messages.insert('acc', message(`${chat}-${i}`, chat, 1001 + i, { isSelf: true }));
      }
      assert.deepEqual(await store.messages.recentChats('acc', 10), [
        { chatId: '@far', last: 1000 + NAME_LOOK_BACK },
        { chatId: '@near', last: 1000 + NAME_LOOK_BACK - 1, name: '@near name', stableId: 'wxid@near' },
      ]);
    });

    it("finds a handed send's echo among the chat's recent rows, also with older rows stored after it", async () => {
      const store = await openTestStore({ dataDir: mkdtempSync(join(root, 'e-')), kind });
      opened.push(store);
      const handedAt = 10_000_000;
      await store.messages.insert('acc', message('old', '@c', handedAt - 3_600_000, { text: 'hi' }));
      await store.messages.insert('acc', message('own-old', '@c', handedAt - 3_600_000, { text: 'hi', isSelf: true, senderId: '@me', toId: '@c' }));
      await store.messages.insert('acc', message('echo', '@c', handedAt + 1000, { text: 'hi', isSelf: true, senderId: '@me', toId: '@c' }));
      // Delayed by five minutes and stored after the echo.
      await store.messages.insert('acc', message('late', '@c', handedAt - 300_000, { text: 'hi' }));
      const { record } = await store.outbound.enqueue({ id: 'o1', account: 'acc', chatId: '@c', type: 'text', text: 'hi', createdAt: handedAt - 100 });
      assert.equal(await store.outbound.findEcho(record, handedAt - 60_000), 'echo');
      assert.equal(await store.outbound.findEcho({ ...record, chatId: '@d' }, handedAt - 60_000), undefined, 'only in its chat');
    });
  });
}

describe('migration 140 on a database holding messages', () => {
  it('SQLite: drops messages_chat, keeps every row, and the recent chats read the same', async () => {
    const dataDir = mkdtempSync(join(root, 'm-'));
    mkdirSync(dataDir, { recursive: true });
    const db = openDatabase(dataDir, { migrationsDir: sqliteMigrationsBefore(root, MIGRATION) });
    const put = db.prepare(
      `insert into messages (account_id, id, chat_id, sender_id, to_id, is_self, type, text, created_at, chat_name, chat_stable_id)
       values ('acc', ?, ?, ?, '@me', 0, 'text', ?, ?, ?, ?)`,
    );
    for (const [m, name, stableId] of STORED) put.run(m.id, m.chatId, m.senderId, m.text, m.createdAt, name, stableId ?? null);
    assert.ok(sqliteIndexes(db, 'messages').includes('messages_chat'), 'the older schema has it');
    db.close();
    const store = openStore({ dataDir });
    opened.push(store);
    assert.equal(await store.messages.count('acc'), STORED.length);
    assert.deepEqual(await store.messages.recentChats('acc', 10), EXPECTED);
    assert.deepEqual(
      (await store.messages.list('acc', { text: 'text of b1' })).items.map((m) => m.id),
      ['b1'],
      'the full-text index still finds them',
    );
    const after = openDatabase(dataDir);
    const left = sqliteIndexes(after, 'messages');
    after.close();
    assert.deepEqual(left, ['messages_account', 'messages_chat_seq', 'messages_id']);
  });

  it('PostgreSQL: drops messages_chat, keeps every row, and the recent chats read the same', async () => {
    const url = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await migratePostgresBefore(pool, MIGRATION);
      for (const [m, name, stableId] of STORED) {
        await pool.query(
          `insert into messages (account_id, id, chat_id, sender_id, to_id, is_self, type, text, created_at, chat_name, chat_stable_id)
           values ('acc', $1, $2, $3, '@me', 0, 'text', $4, $5, $6, $7)`,
          [m.id, m.chatId, m.senderId, m.text, m.createdAt, name, stableId ?? null],
        );
      }
      const indexes = async () =>
        (await pool.query<{ indexname: string }>("select indexname from pg_indexes where tablename = 'messages'")).rows.map((r) => r.indexname);
      assert.ok((await indexes()).includes('messages_chat'), 'the older schema has it');
      const store = await openPostgresStore({ url, secretKey: TEST_SECRET_KEY });
      opened.push(store);
      assert.equal(await store.messages.count('acc'), STORED.length);
      assert.deepEqual(await store.messages.recentChats('acc', 10), EXPECTED);
      assert.deepEqual((await indexes()).sort(), ['messages_account', 'messages_chat_seq', 'messages_id', 'messages_pkey', 'messages_text']);
    } finally {
      await pool.end();
    }
  });
});
