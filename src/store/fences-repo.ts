/**
 * Account fences (cluster mode): the highest lease token each account was taken with. A node that
 * acquires an account's lease raises the fence to its token; its runtime's writes check, inside
 * their transaction, that no newer token stands (src/cluster/fenced-store.ts).
 */
import { get, type Sql, type Steps } from './sql/work.js';
import type { Promised } from './gate.js';

/** The repository's shape with plain results; callers get its asynchronous view, `FencesRepo`. */
export interface FencesTable {
  /** Raise the account's fence to `token` (never lower it); returns the fence that now stands. */
  raise(account: string, token: number): number;
  /**
   * The account's fence (0 when it has none). On PostgreSQL the row is locked for share until the
   * transaction ends, so a `raise` by another node waits for the writes that checked the old token.
   */
  current(account: string): number;
}

export type FencesRepo = Promised<FencesTable>;

export function createFencesRepo(sql: Sql): Steps<FencesTable> {
  const upsert = (greatest: string) =>
    `insert into account_fences (account_id, token) values (?, ?) on conflict (account_id) do update set token = ${greatest}(account_fences.token, excluded.token) returning token`;
  const raise = sql.query({ sqlite: upsert('max'), postgres: upsert('greatest') });
  const read = sql.query({
    sqlite: 'select token from account_fences where account_id = ?',
    postgres: 'select token from account_fences where account_id = ? for share',
  });
  return {
    *raise(account, token) {
      const row = yield* get<{ token: number | string }>(raise, account, token);
      return Number(row!.token);
    },
    *current(account) {
      const row = yield* get<{ token: number | string }>(read, account);
      return row ? Number(row.token) : 0;
    },
  };
}
