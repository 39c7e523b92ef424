/**
 * A second connection to a data folder's store, for tests that look at rows no repository shows (or
 * break them on purpose). The server's own handle never leaves src/store; this one is opened, used
 * and closed around one look. `withRawDb` is SQLite's file itself; `rawRows` follows the test switch.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { DATABASE_FILE } from '../../src/store/index.js';
import { numberPlaceholders } from '../../src/store/sql/postgres-driver.js';
import { databaseUrlFor, testStoreKind } from './store.js';

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

/**
 * Rows of one query on the store of a data folder, whichever engine the test switch selects (SQL both
 * engines read alike, `?` placeholders).
 *
 * @example const rows = await rawRows<{ hash: string }>(dataDir, 'select hash from api_tokens');
 */
export async function rawRows<T>(dataDir: string, sql: string, ...params: (string | number)[]): Promise<T[]> {
  if (testStoreKind === 'sqlite') return withRawDb(dataDir, (db) => db.prepare(sql).all(...params) as T[]);
  return pgRows<T>(await databaseUrlFor(dataDir), sql, ...params);
}

/**
 * Rows of one query on a PostgreSQL database (`?` placeholders), whatever the test switch: cluster
 * nodes always share PostgreSQL, also in the SQLite suite.
 */
export async function pgRows<T>(databaseUrl: string, sql: string, ...params: (string | number)[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl, types: { getTypeParser: numbersAsNumbers } as pg.CustomTypesConfig });
  await client.connect();
  try {
    return (await client.query({ text: numberPlaceholders(sql), values: params })).rows as T[];
  } finally {
    await client.end();
  }
}

/** Counts and ids come back as numbers, as from SQLite (and from the store's own pool). */
const numbersAsNumbers = (oid: number, format?: 'text' | 'binary'): unknown =>
  oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format);
