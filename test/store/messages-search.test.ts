/**
 * The full-text index over messages: migration 040 backfills rows written under the old schema, the
 * store keeps the index in step (insert, text change, delete), and substring search finds Chinese
 * and Latin text of any length; one- and two-character searches page through bounded windows.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/database.js';
import { sqliteSql, sqliteTable } from '../../src/store/sql/sqlite-driver.js';
import { CANDIDATE_CHUNK, LIKE_WINDOW, createMessagesRepo, type MessagesTable } from '../../src/store/messages-repo.js';
import { packageRoot } from '../../src/util/paths.js';
import type { Message } from '../../src/transport/model.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'weiroto-search-'));

function message(i: number, text: string, createdAt = 1_700_000_000_000 + i * 1000): Message {
  return { id: `m${i}`, type: 'text', chatId: '@c', senderId: '@c', toId: '@self', isSelf: false, text, mentionsSelf: false, mentions: [], createdAt };
}

/** Every page of a search, following `next`. */
function searchAll(repo: MessagesTable, account: string, text: string, limit = 50): { ids: string[]; pages: number } {
  const ids: string[] = [];
  let before: number | undefined;
  let pages = 0;
  do {
    const page = repo.list(account, { text, limit, ...(before !== undefined && { beforeSeq: before }) });
    ids.push(...page.items.map((m) => m.id));
    before = page.next;
    pages++;
  } while (before !== undefined);
  return { ids, pages };
}

describe('message search (FTS5 trigram)', () => {
  it("better-sqlite3's SQLite has FTS5 and the trigram tokenizer (3.34 or later)", () => {
    const dir = tmp();
    const sqlite = openDatabase(dir);
    try {
      const options = (sqlite.pragma('compile_options') as { compile_options: string }[]).map((o) => o.compile_options);
      assert.ok(options.includes('ENABLE_FTS5'), options.join(', '));
      const [major, minor] = (sqlite.prepare('select sqlite_version() as v').get() as { v: string }).v.split('.').map(Number);
      assert.ok(major! > 3 || (major === 3 && minor! >= 34), 'trigram needs SQLite 3.34');
      const tokenizer = sqlite.prepare("select sql from sqlite_master where name = 'messages_fts'").get() as { sql: string };
      assert.match(tokenizer.sql, /tokenize = 'trigram'/);
    } finally {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migration 040 backfills rows written before it, in time order, and they are searchable', () => {
    const dir = tmp();
    const old = join(dir, 'old-migrations');
    // The schema as it was before 040: only the migrations numbered below it (later ones may change the table 040 rebuilds).
    cpSync(join(packageRoot(), 'src', 'store', 'migrations'), old, {
      recursive: true,
      filter: (src) => !/(^|\/)\d{3}-/.test(src) || /(^|\/)0[0-3]\d-/.test(src),
    });
    const db = openDatabase(dir, { migrationsDir: old });
    const ins = db.prepare(
      `insert into messages (account_id, id, chat_id, sender_id, to_id, is_self, type, text, created_at) values ('a', ?, '@c', '@c', '@self', 0, 'text', ?, ?)`,
    );
    ins.run('late', '明天下午三点开会', 3000);
    ins.run('early', 'Order number 42 shipped', 1000);
    db.close();
    const sqlite = openDatabase(dir);
    // The SQLite table itself (synchronous), as the store's asynchronous repository serves it.
    const messages = sqliteTable(sqlite, createMessagesRepo(sqliteSql(sqlite)));
    try {
      assert.deepEqual(
        messages.list('a', { text: '下午三点' }).items.map((m) => m.id),
        ['late'],
      );
      assert.deepEqual(
        messages.list('a', { text: 'ORDER NUM' }).items.map((m) => m.id),
        ['early'],
      );
      assert.deepEqual(
        messages.list('a').items.map((m) => m.id),
        ['late', 'early'],
        'backfilled in time order',
      );
      messages.insert('a', message(3, '新来的消息'));
      assert.deepEqual(
        messages.list('a', { text: '来的消' }).items.map((m) => m.id),
        ['m3'],
      );
      sqlite.prepare("update messages set text = 'changed text' where id = 'm3'").run();
      assert.equal(messages.list('a', { text: '来的消' }).items.length, 0, 'the index follows a text change');
      assert.equal(messages.list('a', { text: 'ged tex' }).items.length, 1);
      sqlite.prepare("delete from messages where id = 'm3'").run();
      assert.equal(messages.list('a', { text: 'ged tex' }).items.length, 0, 'and a delete');
      // Throws SQLITE_CORRUPT_VTAB when the index and the table disagree.
      sqlite.prepare("insert into messages_fts(messages_fts, rank) values ('integrity-check', 1)").run();
    } finally {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds substrings of any length, quotes and LIKE wildcards taken literally, other accounts and chats kept apart', () => {
    const dir = tmp();
    const sqlite = openDatabase(dir);
    // The SQLite table itself (synchronous), as the store's asynchronous repository serves it.
    const messages = sqliteTable(sqlite, createMessagesRepo(sqliteSql(sqlite)));
    try {
      const texts = ['今天天气很好', '天气预报说明天下雨', 'say "hi" to 100% of them', 'a_b', '好', 'nothing here'];
      texts.forEach((t, i) => messages.insert('a', message(i, t)));
      messages.insert('b', message(99, '今天天气很好'));
      const ids = (text: string) => messages.list('a', { text }).items.map((m) => m.id);
      assert.deepEqual(ids('天气很'), ['m0']);
      assert.deepEqual(ids('天气'), ['m1', 'm0'], 'two characters');
      assert.deepEqual(ids('好'), ['m4', 'm0'], 'one character');
      assert.deepEqual(ids('"hi"'), ['m2']);
      assert.deepEqual(ids('100%'), ['m2']);
      assert.deepEqual(ids('%'), ['m2']);
      assert.deepEqual(ids('_'), ['m3']);
      assert.deepEqual(ids('a_b'), ['m3']);
      assert.deepEqual(ids('天气很坏'), []);
      assert.deepEqual(messages.list('a', { text: '天气', chatId: '@other' }).items, []);
    } finally {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a short search reads bounded windows per call and, following next, still finds every match exactly once', () => {
    const dir = tmp();
    const sqlite = openDatabase(dir);
    // The SQLite table itself (synchronous), as the store's asynchronous repository serves it.
    const messages = sqliteTable(sqlite, createMessagesRepo(sqliteSql(sqlite)));
    try {
      const total = LIKE_WINDOW * 3 + 123;
      const wanted = new Set<string>();
      sqlite.transaction(() => {
        for (let i = 0; i < total; i++) {
          const hit = i % 997 === 0;
          if (hit) wanted.add(`m${i}`);
          messages.insert('a', message(i, hit ? `第${i}号 龙` : `message ${i}`, 1_700_000_000_000));
        }
      })();
      // No time budget: each call reads exactly one window, so the page counts are known.
      const oneWindow = sqliteTable(sqlite, createMessagesRepo(sqliteSql(sqlite), { searchBudgetMs: 0 }));
      const short = searchAll(oneWindow, 'a', '龙', 20);
      assert.equal(short.pages, Math.ceil(total / LIKE_WINDOW), 'one LIKE window per call');
      assert.equal(new Set(short.ids).size, short.ids.length, 'no repeats');
      assert.deepEqual(new Set(short.ids), wanted);
      const indexed = searchAll(oneWindow, 'a', '号 龙', 20);
      assert.deepEqual(new Set(indexed.ids), wanted);
      assert.equal(indexed.pages, Math.ceil(wanted.size / 20), 'the index fills every page');
      // The default budget: pages fill as far as time allows; the walk is the same.
      for (const text of ['龙', '号 龙']) {
        const walk = searchAll(messages, 'a', text, 20);
        assert.deepEqual(walk.ids, short.ids, text);
      }
    } finally {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a phrase of several trigrams finds exactly what the FTS5 phrase query finds, page by page, in any script and case', () => {
    const dir = tmp();
    const sqlite = openDatabase(dir);
    const messages = sqliteTable(sqlite, createMessagesRepo(sqliteSql(sqlite)));
    // No time budget: one chunk of candidates per call, so a walk crosses many chunk edges.
    const oneChunk = sqliteTable(sqlite, createMessagesRepo(sqliteSql(sqlite), { searchBudgetMs: 0 }));
    try {
      const words = ['thanks', 'price', 'hello', 'Photo', 'PRICE', '多少钱', '谢谢', 'İstanbul', 'istanbul', 'ΣΟΦΟΣ', 'σοφος', 'σοφος', 'Éclair', 'éclair'];
      // Where JavaScript's toLowerCase and the tokenizer's fold differ: final sigma, Georgian capitals (Unicode 11), İ.
      const more = ['Straße', 'STRASSE', 'ᲐᲑᲒდ', 'აბგდ', '𐐀𐐁𐐂𐐃', '𐐨𐐩𐐪𐐫', 'Ǆemal', 'ǆemal', '😀ok', '"q"', 'a  b', 'ΣΟΦΟΣ x', 'σοφος x', 'İSTANBUL'];
      let seed = 7;
      const pick = (list: string[]) => list[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % list.length]!;
      sqlite.transaction(() => {
        for (let i = 0; i < CANDIDATE_CHUNK * 6; i++) {
          const n = 2 + (i % 5);
          const text = Array.from({ length: n }, () => (i % 3 === 0 ? pick(more) : pick(words))).join(i % 2 ? ' ' : '');
          messages.insert(i % 4 === 0 ? 'b' : 'a', { ...message(i, text), chatId: i % 7 === 0 ? '@other' : '@c' });
        }
        // As the store does just before each COMMIT: the rows go into the index that `byIndex` reads directly.
        messages.indexPending();
      })();
      const byIndex = sqlite.prepare<[string, string], { id: string }>(
        'select m.id from messages_fts f cross join messages m on m.seq = f.rowid where m.account_id = ? and messages_fts match ? order by m.seq desc',
      );
      const queries = ['thanks price', 'PRICE HELLO', 'ice pho', '多少钱谢谢', '钱 谢', 'istanbul', 'İSTANBUL', 'σοφος', 'ΣΟΦΟΣ σο', 'ÉCLAIR', 'straße'];
      for (const q of [...queries, 'strasse', 'ᲐᲑᲒდ', 'აბგდ', '𐐀𐐁𐐂𐐃', '𐐨𐐩𐐪𐐫', 'ǅemal', '😀ok', '"q"', 'a  b', 'οφοσ x', 'οφος x', 'istanb', 'no such phrase']) {
        const expected = byIndex.all('a', `"${q.replaceAll('"', '""')}"`).map((r) => r.id);
        for (const [name, repo] of [
          ['one chunk a call', oneChunk],
          ['default budget', messages],
        ] as const) {
          const walk = searchAll(repo, 'a', q, 20);
          assert.deepEqual(walk.ids, expected, `${q} (${name})`);
        }
      }
      const inChat = messages.list('a', { text: 'thanks price', chatId: '@other', limit: 500 }).items;
      assert.ok(inChat.every((m) => m.chatId === '@other' && m.account === 'a'));
    } finally {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
