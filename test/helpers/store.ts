/**
 * The one way tests open a store, so that one switch runs them on either engine: TEST_STORE=postgres
 * (set by `npm test -- --store postgres`) opens the store of a data folder in a PostgreSQL database
 * named after that folder, on the test server (test/helpers/postgres.ts); otherwise SQLite in the data
 * folder, as weiroto does by default. Reopening the same folder reopens the same database (a restart),
 * in this process or in a child process given the same folder.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { openPostgresStore, openStore, type Store } from '../../src/store/index.js';
import { createTestDatabase, postgresServerUrl } from './postgres.js';
import { trackStoreCalls } from './store-activity.js';

export type StoreKind = 'sqlite' | 'postgres';

/** The engine the switch selects for this run. */
export const testStoreKind: StoreKind = process.env.TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** The SECRET_KEY of PostgreSQL test stores (SQLite ones make their own in the data folder). */
export const TEST_SECRET_KEY = 'c0ffee'.repeat(10) + 'c0ff';

export interface TestStoreOptions {
  dataDir: string;
  /** Default: the switch's engine. */
  kind?: StoreKind;
  secretKey?: string;
  now?: () => number;
}

/** The PostgreSQL database of a data folder (created on first use). */
export function databaseUrlFor(dataDir: string): Promise<string> {
  return createTestDatabase(`d_${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 24)}`);
}

/**
 * Before starting a child process that opens test stores itself (through `openTestStore`): on PostgreSQL, start this
 * process's server now, so that the child inherits its address (TEST_PG_URL) and opens the same databases, instead of
 * starting a server of its own that dies with it.
 */
export async function shareTestStoreServer(): Promise<void> {
  if (testStoreKind === 'postgres') await postgresServerUrl();
}

/**
 * The environment a weiroto process (or a fixture) under test needs to open the same store as `openTestStore`
 * would for `dataDir`: nothing more on SQLite; DATABASE_URL and SECRET_KEY on PostgreSQL.
 */
export async function storeEnv(dataDir: string): Promise<Record<string, string>> {
  if (testStoreKind === 'sqlite') return {};
  return { DATABASE_URL: await databaseUrlFor(dataDir), SECRET_KEY: TEST_SECRET_KEY };
}

/**
 * The store, with its calls counted (`storeSettled` in ./store-activity.ts waits for them).
 *
 * @example
 *   const store = await openTestStore({ dataDir: dir });
 */
export async function openTestStore(options: TestStoreOptions): Promise<Store> {
  const kind = options.kind ?? testStoreKind;
  const now = options.now && { now: options.now };
  if (kind === 'sqlite') return trackStoreCalls(openStore({ dataDir: options.dataDir, secretKey: options.secretKey, ...now }));
  return trackStoreCalls(await openPostgresStore({ url: await databaseUrlFor(options.dataDir), secretKey: options.secretKey ?? TEST_SECRET_KEY, ...now }));
}

/**
 * A test's settings for a weiroto it starts in this process (`loadConfig` + `startServer`), with the store the switch
 * selects for its DATA_DIR.
 *
 * @example const config = loadConfig(await withStoreEnv({ PORT: '0', DATA_DIR: dir }), { envFile: false });
 */
export async function withStoreEnv<E extends Record<string, string>>(env: E): Promise<E> {
  return env.DATA_DIR === undefined ? env : { ...env, ...(await storeEnv(env.DATA_DIR)) };
}
