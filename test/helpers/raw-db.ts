/**
 * A second connection to a data folder's SQLite file, for tests that look at rows no repository
 * shows (or break them on purpose). The server's own handle never leaves src/store; this one is
 * opened, used and closed around one look.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../../src/store/index.js';

/** @example const row = withRawDb(dataDir, (db) => db.prepare('select * from api_tokens').get()); */
export function withRawDb<T>(dataDir: string, look: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, DATABASE_FILE));
  try {
    db.pragma('busy_timeout = 5000');
    return look(db);
  } finally {
    db.close();
  }
}
