import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, statSync, chmodSync, existsSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, readMigrations, StoreError, DATABASE_FILE } from '../../src/store/index.js';
import { openDatabase, migrate, NEW_FILE_PAGE_SIZE, PAGE_CACHE_KIB, WAL_CHECKPOINT_PAGES } from '../../src/store/database.js';
import { packageRoot } from '../../src/util/paths.js';
import { withRawDb } from '../helpers/raw-db.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'weiroto-db-'));

describe('openDatabase(dataDir)', () => {
  it('creates the file in WAL mode with foreign keys on and applies every migration', () => {
    const dir = tmp();
    const db = openDatabase(dir);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    const versions = (db.prepare('select version from schema_migrations order by version').all() as { version: number }[]).map((r) => r.version);
    assert.ok(versions.includes(1));
    const tables = (db.prepare("select name from sqlite_master where type='table'").all() as { name: string }[]).map((r) => r.name);
    for (const t of ['accounts', 'sessions', 'kv', 'audit_log', 'settings']) assert.ok(tables.includes(t), t);
    db.close();
  });

  it("checkpoints the WAL every WAL_CHECKPOINT_PAGES frames, not after SQLite's default 1,000", () => {
    const dir = tmp();
    const db = openDatabase(dir);
    db.exec('create table t (x integer)');
    const insert = db.prepare('insert into t values (?)');
    // One frame per COMMIT (the table's only page): a checkpoint at 1,000 frames would have restarted the WAL.
    for (let i = 0; i < 1500; i++) insert.run(i);
    const [frames] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    assert.ok(frames!.log >= 1500, `${frames!.log} frames in the WAL: no checkpoint before ${WAL_CHECKPOINT_PAGES}`);
    assert.ok(WAL_CHECKPOINT_PAGES > 1500);
    db.close();
  });

  it('creates a new file with 8 KiB pages and the same WAL size between checkpoints; an existing file keeps its pages', () => {
    const db = openDatabase(tmp());
    assert.equal(NEW_FILE_PAGE_SIZE, 8192);
    assert.equal(db.pragma('page_size', { simple: true }), NEW_FILE_PAGE_SIZE);
    assert.equal((db.pragma('wal_autocheckpoint', { simple: true }) as number) * NEW_FILE_PAGE_SIZE, WAL_CHECKPOINT_PAGES * 4096);
    db.close();
    // A file made before, with SQLite's default 4 KiB pages: not rebuilt, and checkpointed as before.
    const dir = tmp();
    withRawDb(dir, (raw) => raw.exec('create table t (x integer)'));
    const existing = openDatabase(dir);
    assert.equal(existing.pragma('page_size', { simple: true }), 4096);
    assert.equal(existing.pragma('wal_autocheckpoint', { simple: true }), WAL_CHECKPOINT_PAGES);
    assert.equal((existing.prepare("select count(*) as n from sqlite_master where name = 't'").get() as { n: number }).n, 1, 'its tables are kept');
    existing.close();
  });

  it("keeps a page cache of PAGE_CACHE_KIB (2 MiB), not better-sqlite3's 16 MiB", () => {
    const db = openDatabase(tmp());
    // Negative: KiB. better-sqlite3's build default is -16000, which a growing store fills and never gives back.
    assert.equal(db.pragma('cache_size', { simple: true }), -PAGE_CACHE_KIB);
    assert.ok(PAGE_CACHE_KIB <= 2000);
    db.close();
  });

  it('creates weiroto.db, -wal and -shm readable by the owner only (0600), and narrows an existing wider file', async () => {
    // The usual umask would give 0644 to files SQLite creates on its own.
    const before = process.umask(0o022);
    try {
      const dir = tmp();
      const store = openStore({ dataDir: dir });
      await store.kv.set('t', 'k', 'v');
      const path = join(dir, DATABASE_FILE);
      for (const f of [path, `${path}-wal`, `${path}-shm`]) {
        assert.ok(existsSync(f), f);
        assert.equal(statSync(f).mode & 0o777, 0o600, f);
      }
      store.close();
      chmodSync(path, 0o644);
      const again = openStore({ dataDir: dir });
      again.kv.set('t', 'k', 'w');
      for (const f of [path, `${path}-wal`, `${path}-shm`]) assert.equal(statSync(f).mode & 0o777, 0o600, f);
      again.close();
    } finally {
      process.umask(before);
    }
  });

  it('migration 051 drops stored avatars that carry a WeChat skey and keeps clean ones', () => {
    const dir = tmp();
    const all = join(packageRoot(), 'src', 'store', 'migrations');
    const older = join(dir, 'older');
    mkdirSync(older);
    for (const f of readdirSync(all)) if (Number(f.slice(0, 3)) < 51) copyFileSync(join(all, f), join(older, f));
    const db = openDatabase(dir, { migrationsDir: older });
    const put = db.prepare("insert into contacts (account_id, id, name, kind, data, updated_at) values ('a', ?, 'n', 'friend', ?, 0)");
    put.run('@old', JSON.stringify({ id: '@old', avatar: '/cgi-bin/mmwebwx-bin/webwxgeticon?seq=1&username=@old&skey=@crypt_secret' }));
    put.run('@new', JSON.stringify({ id: '@new', avatar: '/cgi-bin/mmwebwx-bin/webwxgeticon?seq=1&username=%40new' }));
    migrate(db, all);
    const avatars = (db.prepare('select id, data from contacts order by id').all() as { id: string; data: string }[]).map((r) => [
      r.id,
      (JSON.parse(r.data) as { avatar?: string }).avatar,
    ]);
    assert.deepEqual(avatars, [
      ['@new', '/cgi-bin/mmwebwx-bin/webwxgeticon?seq=1&username=%40new'],
      ['@old', undefined],
    ]);
    db.close();
  });

  it('applies only new migrations, in order, each once', () => {
    const dir = tmp();
    const mig = join(dir, 'migrations');
    mkdirSync(mig);
    writeFileSync(join(mig, '001-a.sql'), 'create table a (x integer);');
    writeFileSync(join(mig, '002-b.sql'), 'insert into a values (1);');
    const db = openDatabase(dir, { migrationsDir: mig });
    writeFileSync(join(mig, '010-c.sql'), 'insert into a values (10);');
    writeFileSync(join(mig, 'notes.txt'), 'ignored');
    assert.deepEqual(migrate(db, mig), [10]);
    assert.deepEqual(migrate(db, mig), []);
    assert.deepEqual(
      (db.prepare('select x from a order by x').all() as { x: number }[]).map((r) => r.x),
      [1, 10],
    );
    db.close();
  });

  it('rolls back a failing migration and reports it', () => {
    const dir = tmp();
    const mig = join(dir, 'migrations');
    mkdirSync(mig);
    writeFileSync(join(mig, '001-a.sql'), 'create table a (x integer); insert into nowhere values (1);');
    assert.throws(() => openDatabase(dir, { migrationsDir: mig }), /unreadable or corrupt.*no such table: nowhere/);
  });

  it('rejects two migrations with the same number', () => {
    const mig = tmp();
    writeFileSync(join(mig, '003-a.sql'), '');
    writeFileSync(join(mig, '003-b.sql'), '');
    assert.throws(() => readMigrations(mig), /Two migrations share number 3/);
  });

  it('refuses a file that is not SQLite and leaves it untouched', () => {
    const dir = tmp();
    const file = join(dir, DATABASE_FILE);
    writeFileSync(file, 'this is not a database, but someone cares about it');
    assert.throws(
      () => openDatabase(dir),
      (e: unknown) => e instanceof StoreError && /not a SQLite file.*will not overwrite/.test(e.message),
    );
    assert.equal(readFileSync(file, 'utf8'), 'this is not a database, but someone cares about it');
  });

  it('refuses a corrupt SQLite file and leaves it untouched', async () => {
    const dir = tmp();
    const store = openStore({ dataDir: dir });
    await store.accounts.create({ name: 'a' });
    withRawDb(dir, (db) => db.pragma('wal_checkpoint(TRUNCATE)'));
    store.close();
    const file = join(dir, DATABASE_FILE);
    const bytes = readFileSync(file);
    // Keep the header, scribble over the schema page.
    for (let i = 100; i < Math.min(bytes.length, 4096); i++) bytes[i] = 0xa5;
    writeFileSync(file, bytes);
    assert.throws(
      () => openDatabase(dir),
      (e: unknown) => e instanceof StoreError && /unreadable or corrupt/.test(e.message),
    );
    assert.deepEqual(readFileSync(file), bytes);
  });

  it('says when DATA_DIR is not writable', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), '');
    assert.throws(() => openDatabase(join(dir, 'file', 'sub')), /DATA_DIR .* is not a writable directory: (ENOTDIR|EEXIST)/);
  });
});

describe('store repositories', () => {
  it('keeps accounts, sealed sessions, kv and audit entries across reopen', async () => {
    const dir = tmp();
    let store = openStore({ dataDir: dir });
    const a = await store.accounts.create({ name: 'Main' });
    await store.sessions.save(a.id, { skey: '@crypt_secret', cookies: { wxsid: 'x' } });
    await store.kv.set('plugin:ai:' + a.id, 'memory', { turns: 2 });
    await store.audit.record({ actor: 'admin', action: 'account.add', target: a.id });
    const raw = withRawDb(dir, (db) => db.prepare('select sealed from sessions').get() as { sealed: string });
    assert.ok(!raw.sealed.includes('crypt_secret'));
    store.close();

    store = openStore({ dataDir: dir });
    assert.equal((await store.accounts.get(a.id))?.name, 'Main');
    assert.deepEqual(await store.sessions.load(a.id), { skey: '@crypt_secret', cookies: { wxsid: 'x' } });
    assert.deepEqual(await store.kv.get('plugin:ai:' + a.id, 'memory'), { turns: 2 });
    assert.equal((await store.audit.list())[0]?.action, 'account.add');
    assert.equal((await store.accounts.update(a.id, { enabled: false }))?.enabled, false);
    assert.ok(await store.accounts.remove(a.id));
    assert.equal(await store.sessions.load(a.id), undefined, 'session removed with its account (foreign key cascade)');
    store.close();
  });
});
