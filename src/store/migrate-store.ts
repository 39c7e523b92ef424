/**
 * `weiroto migrate-store`: copy a SQLite store (DATA_DIR/weiroto.db) into an empty PostgreSQL database,
 * the first step from one node to a cluster. Both are migrated to the newest schema first; rows are
 * copied table by table, streamed in batches, inside one PostgreSQL transaction (a failure leaves
 * the target as it was). Sealed values (sessions, secrets) are copied as they are: the nodes then
 * need the key that sealed them as SECRET_KEY.
 */
import { openDatabase, type Db } from './database.js';
import { StoreError } from './errors.js';
import { createPool, inTransaction, type PgTarget } from './sql/postgres-driver.js';
import { migratePostgres } from './sql/postgres-migrate.js';

/** Parents before the tables whose foreign keys point at them; the others follow by name. */
const PARENTS_FIRST = ['accounts', 'admin_users', 'webhook_endpoints', 'webhook_deliveries'];
/** Rows per INSERT (PostgreSQL takes at most 65,535 parameters per statement). */
const BATCH_PARAMETERS = 30_000;

export interface CopyReport {
  /** Rows copied per table, in copy order. */
  tables: { table: string; rows: number }[];
}

/**
 * @example
 *   const report = await migrateStore({ dataDir: '/var/lib/weiroto', databaseUrl: 'postgres://weiroto@db/weiroto' });
 */
export async function migrateStore(options: { dataDir: string; databaseUrl: string; onTable?: (table: string, rows: number) => void }): Promise<CopyReport> {
  const db = openDatabase(options.dataDir);
  const pool = createPool(options.databaseUrl, 2);
  pool.on('error', () => undefined);
  try {
    await migratePostgres(pool);
    return await inTransaction(pool, async ({ client }) => {
      const targetTables = await tablesOf(client);
      await refuseUnlessEmpty(client, targetTables);
      const report: CopyReport = { tables: [] };
      for (const table of copyOrder(db, targetTables)) {
        const rows = await copyTable(db, client, table);
        report.tables.push({ table, rows });
        options.onTable?.(table, rows);
      }
      await resetIdentities(client);
      return report;
    });
  } finally {
    db.close();
    await pool.end();
  }
}

async function tablesOf(client: PgTarget['client']): Promise<Set<string>> {
  const { rows } = await client.query<{ table_name: string }>(
    "select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name <> 'schema_migrations'",
  );
  return new Set(rows.map((r) => r.table_name));
}

/** A store already in use is never merged into: the copy is for a new database. */
async function refuseUnlessEmpty(client: PgTarget['client'], tables: Set<string>): Promise<void> {
  for (const table of tables) {
    const { rowCount } = await client.query(`select 1 from ${table} limit 1`);
    if (rowCount) throw new StoreError(`The PostgreSQL database already holds data (table ${table}); migrate-store copies into an empty database only.`);
  }
}

/** The SQLite tables that PostgreSQL has too (not its FTS index, not SQLite's own tables), parents first. */
function copyOrder(db: Db, target: Set<string>): string[] {
  const names = (db.prepare("select name from sqlite_master where type = 'table' order by name").all() as { name: string }[]).map((r) => r.name);
  const shared = names.filter((n) => target.has(n));
  return [...PARENTS_FIRST.filter((n) => shared.includes(n)), ...shared.filter((n) => !PARENTS_FIRST.includes(n))];
}

async function copyTable(db: Db, client: PgTarget['client'], table: string): Promise<number> {
  const { rows: targetColumns } = await client.query<{ column_name: string }>(
    'select column_name from information_schema.columns where table_schema = current_schema() and table_name = $1',
    [table],
  );
  const wanted = new Set(targetColumns.map((c) => c.column_name));
  const columns = (db.prepare(`select name from pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name).filter((c) => wanted.has(c));
  const perBatch = Math.max(1, Math.floor(BATCH_PARAMETERS / columns.length));
  let copied = 0;
  let batch: unknown[][] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    let n = 0;
    const values = batch.map((row) => `(${row.map(() => `$${++n}`).join(', ')})`).join(', ');
    await client.query(`insert into ${table} (${columns.join(', ')}) values ${values}`, batch.flat());
    copied += batch.length;
    batch = [];
  };
  // Streamed: a table of millions of messages is never held in memory at once.
  for (const row of db
    .prepare(`select ${columns.join(', ')} from ${table}`)
    .raw()
    .iterate() as IterableIterator<unknown[]>) {
    batch.push(row);
    if (batch.length >= perBatch) await flush();
  }
  await flush();
  return copied;
}

/** Identity columns continue after the highest copied value, so new rows do not collide with copied ones. */
async function resetIdentities(client: PgTarget['client']): Promise<void> {
  const { rows } = await client.query<{ table_name: string; column_name: string }>(
    "select table_name, column_name from information_schema.columns where table_schema = current_schema() and is_identity = 'YES'",
  );
  for (const { table_name: table, column_name: column } of rows) {
    await client.query(`select setval(pg_get_serial_sequence($1, $2), coalesce((select max(${column}) from ${table}), 0) + 1, false)`, [table, column]);
  }
}
