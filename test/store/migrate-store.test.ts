// `weiroto migrate-store` as an operator runs it: a real SQLite store in a data folder, copied by the
// command into a new database on a real PostgreSQL server, then read back through the PostgreSQL
// store's repositories with the same SECRET_KEY.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openPostgresStore, openStore, type Store } from '../../src/store/index.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { endpointRow } from '../helpers/endpoint-row.js';

const BIN = resolve(import.meta.dirname, '../../bin/weiroto.js');
const KEY = '5e'.repeat(32);
const root = mkdtempSync(join(tmpdir(), 'weiroto-migrate-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function migrateStoreCommand(env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, 'migrate-store'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

/** A store with something in every kind of table that matters: sealed secrets, bytes, searchable text, ids that count up. */
async function fillSqlite(dataDir: string): Promise<void> {
  const store = openStore({ dataDir, secretKey: KEY });
  try {
    await store.accounts.create({ name: 'Shop', id: 'a1' });
    await store.sessions.save('a1', { skey: '@crypt_secret', cookies: ['wxsid=1'] });
    for (let i = 0; i < 1200; i++) {
      await store.messages.insert('a1', {
        id: `m${i}`,
        type: 'text',
        chatId: '@c',
        senderId: '@c',
        toId: '@me',
        isSelf: false,
        text: i === 700 ? '明天下午三点开会 order 42' : `message ${i}`,
        mentionsSelf: false,
        mentions: [],
        createdAt: 1_700_000_000_000 + i,
      });
    }
    await store.outbound.enqueue({
      id: 'o1',
      account: 'a1',
      chatId: '@c',
      type: 'file',
      file: { name: 'a.bin', data: Buffer.from([0, 7, 255]) },
      createdAt: 5,
    });
    await store.webhookEndpoints.insert(endpointRow({ id: 'ep', url: 'https://example.com/hook' }), 'whsec_kept', 1);
    const delivery = (await store.webhookDeliveries.insert({
      webhookId: 'w1',
      endpointId: 'ep',
      eventType: 'account.login',
      account: 'a1',
      chatKey: '',
      body: '{}',
      at: 1,
      giveUpAt: 9,
    }))!;
    await store.webhookDeliveries.recordAttempt({ deliveryId: delivery, at: 2, statusCode: 500, durationMs: 3 });
    await store.adminUsers.create({ username: 'Admin', passwordHash: 'hash', role: 'admin' });
    await store.timeline.add('a1', 1, 'login', {});
  } finally {
    await store.close();
  }
}

describe('weiroto migrate-store', () => {
  it('copies a SQLite store into an empty PostgreSQL database; the copy serves every repository with the same key', async () => {
    const dataDir = mkdtempSync(join(root, 'data-'));
    await fillSqlite(dataDir);
    const databaseUrl = await createTestDatabase();
    const run = await migrateStoreCommand({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl, SECRET_KEY: KEY });
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^messages: 1200 rows$/m);
    assert.match(run.out, /copied \d+ rows/);

    let store: Store | undefined;
    try {
      store = await openPostgresStore({ url: databaseUrl, secretKey: KEY });
      assert.deepEqual(await store.sessions.load('a1'), { skey: '@crypt_secret', cookies: ['wxsid=1'] }, 'sealed on SQLite, opened on PostgreSQL');
      assert.equal(await store.messages.count('a1'), 1200);
      assert.deepEqual(
        (await store.messages.list('a1', { text: '下午三点' })).items.map((m) => m.id),
        ['m700'],
      );
      assert.deepEqual(
        (await store.messages.list('a1', { limit: 2 })).items.map((m) => m.id),
        ['m1199', 'm1198'],
        'the order of arrival is kept',
      );
      assert.deepEqual((await store.outbound.payload('o1')).file?.data, Buffer.from([0, 7, 255]));
      assert.deepEqual(await store.webhookEndpoints.signingSecrets('ep', 2), ['whsec_kept']);
      const [delivery] = await store.webhookDeliveries.list();
      assert.equal((await store.webhookDeliveries.attempts(delivery!.id))[0]?.statusCode, 500);
      assert.equal((await store.adminUsers.byName('admin'))?.user.role, 'admin');
      // New rows continue after the copied ones instead of colliding with them.
      await store.messages.insert('a1', {
        id: 'new',
        type: 'text',
        chatId: '@c',
        senderId: '@c',
        toId: '@me',
        isSelf: false,
        text: 'after',
        mentionsSelf: false,
        mentions: [],
        createdAt: 1,
      });
      assert.equal((await store.messages.list('a1', { limit: 1 })).items[0]?.id, 'new');
      assert.ok((await store.timeline.add('a1', 2, 'logout', {})).id > 1);
    } finally {
      await store?.close();
    }

    const again = await migrateStoreCommand({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl, SECRET_KEY: KEY });
    assert.equal(again.code, 1);
    assert.match(again.err, /already holds data .*empty database only/);
    const without = await migrateStoreCommand({ DATA_DIR: dataDir });
    assert.equal(without.code, 1);
    assert.match(without.err, /migrate-store copies into DATABASE_URL/);
  });
});
