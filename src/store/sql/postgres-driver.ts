/**
 * The PostgreSQL side of the port: statements become `$n` texts run as named prepared statements,
 * and a repository method awaits each one. Calls outside a transaction take any pooled connection;
 * an `atomic` step or `Store.transaction` pins one connection between BEGIN and COMMIT (nested
 * steps become savepoints there).
 */
import pg from 'pg';
import type { Op, Query, Sql, Work } from './work.js';

interface PgQuery extends Query {
  readonly name: string;
}

/** Where statements go: the pool (any connection), or one pinned connection inside a transaction. */
export interface PgTarget {
  readonly client: pg.Pool | pg.PoolClient;
  readonly pool: pg.Pool;
  /** Open savepoints below the transaction (0 = the transaction itself, -1 = none open). */
  depth: number;
}

/** `?` placeholders (outside quoted strings) to PostgreSQL's `$1, $2, …`. */
export function numberPlaceholders(text: string): string {
  let n = 0;
  let quoted = false;
  let out = '';
  for (const ch of text) {
    if (ch === "'") quoted = !quoted;
    out += ch === '?' && !quoted ? `$${++n}` : ch;
  }
  return out;
}

/**
 * The port for one pool. The same text always gets the same statement name, so each pooled
 * connection parses it once however many repositories or calls build it.
 */
export function postgresSql(): Sql {
  const names = new Map<string, string>();
  return {
    dialect: 'postgres',
    query(text) {
      const sql = numberPlaceholders(typeof text === 'string' ? text : text.postgres);
      let name = names.get(sql);
      if (name === undefined) names.set(sql, (name = `w${names.size + 1}`));
      return { text: sql, name } satisfies PgQuery;
    },
  };
}

/** 64-bit integers (counts, ids, millisecond times) and sums come back as numbers, as SQLite gives them. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** Connections per node when nothing else is asked for. */
export const DEFAULT_POOL_SIZE = 10;

export function createPool(url: string, max = DEFAULT_POOL_SIZE): pg.Pool {
  return new pg.Pool({ connectionString: url, max, types });
}

/** Run a repository method against `target`, awaiting each statement. */
export async function runAsync<T>(target: PgTarget, work: Work<T>): Promise<T> {
  let step = work.next();
  while (!step.done) {
    let answer: unknown;
    try {
      answer = await answerOp(target, step.value);
    } catch (e) {
      step = work.throw(e);
      continue;
    }
    step = work.next(answer);
  }
  return step.value;
}

async function answerOp(target: PgTarget, op: Op): Promise<unknown> {
  if (op.kind === 'atomic') return target.depth < 0 ? inTransaction(target.pool, (t) => runAsync(t, op.work)) : inSavepoint(target, op.work);
  const q = op.query as PgQuery;
  const result = await target.client.query({ name: q.name, text: q.text, values: op.params });
  if (op.kind === 'get') return result.rows[0];
  if (op.kind === 'all') return result.rows;
  return result.rowCount ?? 0;
}

/** BEGIN on one pinned connection, `body`, then COMMIT (ROLLBACK when it throws). */
export async function inTransaction<T>(pool: pg.Pool, body: (target: PgTarget) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('begin');
    try {
      const value = await body({ client, pool, depth: 0 });
      await client.query('commit');
      return value;
    } catch (e) {
      await client.query('rollback').catch(() => (broken = true));
      throw e;
    }
  } finally {
    // A connection whose rollback failed is in an unknown state: drop it rather than pool it.
    client.release(broken);
  }
}

async function inSavepoint(target: PgTarget, work: Work<unknown>): Promise<unknown> {
  const name = `s${++target.depth}`;
  try {
    await target.client.query(`savepoint ${name}`);
    try {
      const value = await runAsync(target, work);
      await target.client.query(`release savepoint ${name}`);
      return value;
    } catch (e) {
      await target.client.query(`rollback to savepoint ${name}`);
      throw e;
    }
  } finally {
    target.depth--;
  }
}
