/**
 * A restart brings a web account back from its saved session, with no new QR code, and stores its
 * directory again writing only what changed (issue 17: rewriting every contact of 1,000 accounts was
 * most of what a restore wrote). The real path: AccountManager → Bot → web-protocol client → sandbox
 * on 127.0.0.1, and a real SQLite file, read beside the store by a second connection and edited
 * while the store is closed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { AccountManager } from '../../src/accounts/account-manager.js';
import { silentLogger } from '../../src/logger.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { createWebTransport } from '../../src/protocol/index.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { DATABASE_FILE } from '../../src/store/database.js';
import type { Store } from '../../src/store/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { FAST } from '../helpers/fast.js';
import { openTestStore } from '../helpers/store.js';

/** A stored contact row as SQLite has it. */
interface Row {
  id: string;
  data: string;
  updated_at: number;
}

describe('a restored web account (real web protocol, SQLite file)', () => {
  let sb: RunningSandbox;
  let dir: string;
  let store: Store;
  let db: Database.Database;
  const managers: AccountManager[] = [];

  const newManager = (): AccountManager => {
    const m = new AccountManager({
      store,
      log: silentLogger(),
      createTransport: () => createWebTransport({ endpoint: sb.origin, ...FAST }),
      pluginRegistry: new PluginRegistry([]),
      botPlugins: [],
      sendPacing: 'off',
      autoRelogin: false,
    });
    managers.push(m);
    return m;
  };
  const rows = (account: string): Row[] => db.prepare<[string], Row>('select id, data, updated_at from contacts where account_id = ? order by id').all(account);
  const qrsCreated = async (): Promise<number> => (await sb.control.state(false, '0')).counters.qrsCreated!;

  before(async () => {
    sb = await startSandbox({ holdMs: 300, autoScanMs: 10, autoConfirmMs: 10, contacts: 12, rooms: 2, roomSize: 4 });
    dir = mkdtempSync(join(tmpdir(), 'restore-directory-'));
    store = await openTestStore({ dataDir: dir, kind: 'sqlite' });
    db = new Database(join(dir, DATABASE_FILE));
  });
  after(async () => {
    await managers.at(-1)?.stopAll();
    db?.close();
    store?.close();
    await sb?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('comes back online with no QR and rewrites only the contacts that changed', async () => {
    const first = newManager();
    await first.startAll({ createIfNone: true });
    const id = first.list()[0]!.id;
    await waitUntil(() => first.get(id)!.info().state === 'online', 10_000, 'the first login');
    await waitUntil(() => rows(id).length > 10, 10_000, 'the directory stored');
    await first.stopAll();
    store.close();

    // While it is stopped: every row marked as written long ago; one row stale (a contact renamed
    // meanwhile, as the next load will say); one row of a contact the book no longer has.
    const stored = rows(id);
    db.prepare('update contacts set updated_at = 1 where account_id = ?').run(id);
    const stale = stored.find((r) => (JSON.parse(r.data) as { kind: string }).kind === 'friend')!;
    db.prepare('update contacts set data = ? where account_id = ? and id = ?').run(
      JSON.stringify({ ...JSON.parse(stale.data), name: 'Old name' }),
      id,
      stale.id,
    );
    db.prepare("insert into contacts (account_id, id, name, kind, data, updated_at) values (?, '@gone', 'Gone', 'friend', '{}', 1)").run(id);
    const qrs = await qrsCreated();

    // The restart: the same file opened again.
    store = await openTestStore({ dataDir: dir, kind: 'sqlite' });
    const second = newManager();
    await second.startAll();
    await waitUntil(() => second.get(id)!.info().state === 'online', 10_000, 'the restored login');
    assert.equal(await qrsCreated(), qrs, 'no new QR code: the saved session was resumed');
    await waitUntil(() => rows(id).find((r) => r.id === stale.id)!.updated_at > 1, 10_000, 'the stale row written again');

    const after = rows(id);
    assert.deepEqual(
      after.map((r) => r.id),
      stored.map((r) => r.id),
      'the same contacts, and the one the book no longer has deleted',
    );
    const fresh = after.find((r) => r.id === stale.id)!;
    assert.equal(fresh.data, stale.data, 'the stale row holds what the load said');
    const rewritten = after.filter((r) => r.updated_at !== 1).map((r) => r.id);
    assert.deepEqual(rewritten, [stale.id], 'every unchanged row left as it was');
  });
});
