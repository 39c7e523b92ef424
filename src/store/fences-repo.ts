/**
 * Account fences (cluster mode): the highest lease token each account was taken with. A node that
 * acquires an account's lease raises the fence to its token; its runtime's writes check, inside
 * their transaction, that no newer token stands (src/cluster/fenced-store.ts).
 */
import { all, atomic, get, type Sql, type Steps } from './sql/work.js';
import type { Promised } from './gate.js';

/** The repository's shape with plain results; callers get its asynchronous view, `FencesRepo`. */
export interface FencesTable {
  /**
   * Raise the account's fence to `token` (never lower it); returns the fence that now stands. On
   * PostgreSQL it waits at most `lockTimeoutMs` for writes that checked the old token (their share
   * lock on the row), then fails with SQLSTATE 55P03 (`isLockTimeout`).
   */
  raise(account: string, token: number, lockTimeoutMs: number): number;
  /**
   * `raise` for several accounts in one transaction and one statement (what one round of a node takes):
   * account → the fence that now stands. All or nothing: a lock timeout on any row fails them all.
   */
  raiseAll(raises: FenceRaise[], lockTimeoutMs: number): Record<string, number>;
  /**
   * The account's fence (0 when it has none). On PostgreSQL the row is locked for share until the
   * transaction ends, so a `raise` by another node waits for the writes that checked the old token.
   */
  current(account: string): number;
  /**
   * PostgreSQL: end the sessions that hold a lock on the fences while idle in a transaction for
   * longer than `idleMs` (a node frozen mid-transaction: SIGSTOP, a cut); returns how many. Their
   * node's leases expired long ago, so its writes are refused anyway; this frees the raise that waits
   * behind them. SQLite (one process): nothing to end.
   */
  endFrozenSessions(idleMs: number): number;
}

export interface FenceRaise {
  account: string;
  token: number;
}

export type FencesRepo = Promised<FencesTable>;

/** Whether `e` is PostgreSQL's lock timeout (a `raise` that waited `lockTimeoutMs`). */
export function isLockTimeout(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === '55P03';
}

export function createFencesRepo(sql: Sql): Steps<FencesTable> {
  // The raises as one JSON parameter ([{ "a": account, "t": token }, …]), read as rows by each engine.
  const upsertAll = (rows: string, greatest: string) =>
    `insert into account_fences (account_id, token) ${rows} on conflict (account_id) do update set token = ${greatest}(account_fences.token, excluded.token) returning account_id, token`;
  const raiseAll = sql.query({
    // `where true`: SQLite's parser needs it between a SELECT and its upsert clause.
    sqlite: upsertAll("select json_extract(value, '$.a'), json_extract(value, '$.t') from json_each(?) where true", 'max'),
    postgres: upsertAll('select a, t from json_to_recordset(?::json) as r(a text, t bigint)', 'greatest'),
  });
  const lockTimeout = sql.query({ sqlite: 'select ? as ignored', postgres: "select set_config('lock_timeout', ?, true)" });
  const read = sql.query({
    sqlite: 'select token from account_fences where account_id = ?',
    postgres: 'select token from account_fences where account_id = ? for share',
  });
  const endFrozen = sql.query({
    sqlite: 'select 0 as ended where ? is not null',
    postgres: `select count(pg_terminate_backend(a.pid)) as ended from pg_stat_activity a
      where a.datname = current_database() and a.pid <> pg_backend_pid() and a.state = 'idle in transaction'
        and a.state_change < clock_timestamp() - make_interval(secs => ?::float8 / 1000)
        and exists (select 1 from pg_locks l where l.pid = a.pid and l.relation = 'account_fences'::regclass)`,
  });
  const repo: Steps<FencesTable> = {
    // One account's raise is a batch of one: the same statement, lock timeout and answer.
    *raise(account, token, lockTimeoutMs) {
      return (yield* repo.raiseAll([{ account, token }], lockTimeoutMs))[account]!;
    },
    *raiseAll(raises, lockTimeoutMs) {
      // One row per account (the highest token asked for): an upsert may not touch a row twice.
      const highest = new Map<string, number>();
      for (const r of raises) highest.set(r.account, Math.max(r.token, highest.get(r.account) ?? r.token));
      if (highest.size === 0) return {};
      // In a stable order, so two batches that overlap lock their rows in the same order.
      const rows = [...highest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([a, t]) => ({ a, t }));
      return yield* atomic(
        (function* () {
          yield* get(lockTimeout, `${Math.max(1, Math.round(lockTimeoutMs))}ms`);
          const standing = yield* all<{ account_id: string; token: number | string }>(raiseAll, JSON.stringify(rows));
          return Object.fromEntries(standing.map((r) => [r.account_id, Number(r.token)]));
        })(),
      );
    },
    *current(account) {
      const row = yield* get<{ token: number | string }>(read, account);
      return row ? Number(row.token) : 0;
    },
    *endFrozenSessions(idleMs) {
      const row = yield* get<{ ended: number | string }>(endFrozen, idleMs);
      return Number(row?.ended ?? 0);
    },
  };
  return repo;
}
