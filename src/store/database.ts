/**
 * The one SQLite file in DATA_DIR: opened in WAL mode with foreign keys on, checked before use, and
 * migrated with the numbered SQL files in src/store/migrations. A file that is not a database, or is
 * corrupt, stops the start with a clear message and is never overwritten.
 */
import { accessSync, chmodSync, constants, existsSync, mkdirSync, openSync, readSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { packageRoot } from '../util/paths.js';
import { StoreError } from './errors.js';

export type Db = Database.Database;

export const DATABASE_FILE = 'weiroto.db';
/**
 * WAL frames between two automatic checkpoints (SQLite's default is 1,000). A checkpoint copies the newest frame of
 * each page to the database file and syncs it; the pages a message touches (the ends of the tables, the index pages
 * of busy chats, the statistics row) are written again in nearly every COMMIT, so a longer WAL copies each of them
 * once for more COMMITs: less CPU per message and a quarter of the syncs, for a WAL file of up to 16 MiB (issue 17:
 * checkpoints were a third of the COMMIT's cost in a keep-alive burst).
 */
export const WAL_CHECKPOINT_PAGES = 4000;
/**
 * The page size of a new database file (SQLite's default is 4 KiB). A COMMIT writes every page it changed, whole, and a
 * message changes a few rows in many places (the ends of the tables, the index pages of busy chats): with 8 KiB pages
 * the same changes fall on fewer pages, so a third fewer WAL frames per message for about a third more bytes, and less
 * CPU per message (issue 17: bench/store-echo). A file keeps the page size it was created with: changing it takes a
 * VACUUM, which weiroto does not force on an existing file.
 */
export const NEW_FILE_PAGE_SIZE = 8192;
/**
 * The connection's page cache, in KiB (a negative cache_size is KiB in SQLite). better-sqlite3 builds SQLite with 16 MiB
 * (SQLITE_DEFAULT_CACHE_SIZE=-16000), which a bot's store fills as it grows (the directory, the messages) and never
 * gives back: up to 16 MiB of the process's RSS for pages the OS keeps in its own cache anyway. SQLite's own default,
 * 2 MiB, still holds what a message touches (the ends of the tables, the index pages of busy chats); the rest is a
 * read from the OS's cache when needed (issue 17: peak RSS of the echo burst).
 */
export const PAGE_CACHE_KIB = 2000;
const SQLITE_HEADER = 'SQLite format 3\0';

/** Make sure DATA_DIR exists and is writable; throw StoreError with the reason otherwise. */
export function ensureDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    accessSync(dataDir, constants.W_OK | constants.R_OK);
  } catch (e) {
    throw new StoreError(`DATA_DIR ${dataDir} is not a writable directory: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
}

/**
 * Open (creating when absent) and migrate the database.
 *
 * @example
 *   const db = openDatabase(config.dataDir);
 *   db.prepare('select 1').get();
 */
export function openDatabase(dataDir: string, options: { file?: string; migrationsDir?: string } = {}): Db {
  ensureDataDir(dataDir);
  const path = options.file ?? join(dataDir, DATABASE_FILE);
  if (existsSync(path)) checkHeader(path);
  let db: Db;
  try {
    ownerOnly(path);
    db = new Database(path);
  } catch (e) {
    throw new StoreError(`Cannot open the database ${path}: ${(e as Error).message}.`);
  }
  try {
    // Only a file with nothing in it yet takes a new page size; an existing file ignores it.
    db.pragma(`page_size = ${NEW_FILE_PAGE_SIZE}`);
    db.pragma('journal_mode = WAL');
    // SQLite gives -wal and -shm the database file's mode; older installs may have left them wider.
    for (const side of [`${path}-wal`, `${path}-shm`]) if (existsSync(side)) chmodSync(side, 0o600);
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    // WAL_CHECKPOINT_PAGES counts 4 KiB pages: a file of bigger pages checkpoints at the same WAL size (16 MiB).
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`wal_autocheckpoint = ${Math.round((WAL_CHECKPOINT_PAGES * 4096) / pageSize)}`);
    // Statement journals (a savepoint per store.transaction inside the group commit) and the search's scratch
    // table stay in memory: on disk they cost a write per page touched, about a third of all writes per message.
    db.pragma('temp_store = memory');
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new StoreError(`integrity check said: ${String(check)}`);
    migrate(db, options.migrationsDir ?? join(packageRoot(), 'src', 'store', 'migrations'));
  } catch (e) {
    db.close();
    const why = e instanceof StoreError ? e.message : (e as Error).message;
    throw new StoreError(`The database ${path} is unreadable or corrupt (${why}). weiroto will not overwrite it: restore a backup or move it away.`);
  }
  return db;
}

/**
 * The database holds sessions, tokens and messages: create it readable by the owner only (0600),
 * and narrow an existing file that is wider, before SQLite opens it.
 */
function ownerOnly(path: string): void {
  if (existsSync(path)) chmodSync(path, 0o600);
  else closeSync(openSync(path, 'wx', 0o600));
}

function checkHeader(path: string): void {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    if (n === 0) return; // an empty file is a new database
    if (buf.subarray(0, n).toString('latin1') !== SQLITE_HEADER) {
      throw new StoreError(`The database ${path} is not a SQLite file. weiroto will not overwrite it: restore a backup or move it away.`);
    }
  } finally {
    closeSync(fd);
  }
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The numbered migrations (`NNN-name.sql`) of a folder, in order. */
export function readMigrations(dir: string): Migration[] {
  const list: Migration[] = [];
  for (const file of readdirSync(dir)) {
    const m = /^(\d{3,})-([\w-]+)\.sql$/.exec(file);
    if (!m) continue;
    list.push({ version: Number(m[1]), name: m[2]!, sql: readFileSync(join(dir, file), 'utf8') });
  }
  list.sort((a, b) => a.version - b.version);
  for (let i = 1; i < list.length; i++) {
    if (list[i]!.version === list[i - 1]!.version) {
      throw new StoreError(`Two migrations share number ${list[i]!.version} in ${dir}.`);
    }
  }
  return list;
}

/** Apply every migration not yet applied, each in its own transaction. Returns the versions applied. */
export function migrate(db: Db, dir: string): number[] {
  db.exec(`create table if not exists schema_migrations (
    version integer primary key, name text not null, applied_at integer not null)`);
  const done = new Set((db.prepare('select version from schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const applied: number[] = [];
  for (const m of readMigrations(dir)) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('insert into schema_migrations (version, name, applied_at) values (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
    applied.push(m.version);
  }
  return applied;
}
