/**
 * The one way tests open a store, so that one switch runs them on either engine: TEST_STORE=postgres
 * (set by `npm test -- --store postgres`) opens each store in a fresh PostgreSQL database on the test
 * server (test/helpers/postgres.ts); otherwise SQLite in the data folder, as weiroto does by default.
 */
import { randomBytes } from 'node:crypto';
import { openPostgresStore, openStore, type Store } from '../../src/store/index.js';
import { createTestDatabase } from './postgres.js';

export type StoreKind = 'sqlite' | 'postgres';

/** The engine the switch selects for this run. */
export const testStoreKind: StoreKind = process.env.TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** A key for PostgreSQL stores (SQLite ones make their own in the data folder). */
const testKey = randomBytes(32).toString('hex');

export interface TestStoreOptions {
  dataDir: string;
  /** Default: the switch's engine. */
  kind?: StoreKind;
  /** Reopen this PostgreSQL database instead of creating one (a restart). */
  databaseUrl?: string;
  secretKey?: string;
  now?: () => number;
}

/** A store and where it lives (for a reopen: pass `databaseUrl` back). */
export interface TestStore {
  store: Store;
  kind: StoreKind;
  databaseUrl?: string;
}

/**
 * @example
 *   const { store } = await openTestStore({ dataDir: dir });
 */
export async function openTestStore(options: TestStoreOptions): Promise<TestStore> {
  const kind = options.kind ?? testStoreKind;
  if (kind === 'sqlite')
    return { kind, store: openStore({ dataDir: options.dataDir, secretKey: options.secretKey, ...(options.now && { now: options.now }) }) };
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const store = await openPostgresStore({ url: databaseUrl, secretKey: options.secretKey ?? testKey, ...(options.now && { now: options.now }) });
  return { kind, store, databaseUrl };
}
