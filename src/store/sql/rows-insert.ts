/**
 * An insert of many rows as one statement (`values (…), (…), …`): a batch's rows (a sync's new chats of the day, a
 * burst's decision traces) cost one statement per `ROWS_PER_INSERT` instead of one each (issue 17: statements per
 * echoed message). Both engines take the same text.
 */
import type { Query, Sql } from './work.js';

/** Rows one statement takes at most: a sync brings some tens of messages, a trace batch 64 (src/accounts/account-runtime.ts); more take a statement per this many. */
export const ROWS_PER_INSERT = 64;

export interface RowsInsert {
  /** The statement for `rows` rows (1 … ROWS_PER_INSERT), prepared on first use. */
  of(rows: number): Query;
}

/**
 * @example
 *   const ins = rowsInsert(sql, 'insert into t (a, b) values', '(?, ?)', 'on conflict do nothing');
 *   yield* run(ins.of(2), a1, b1, a2, b2);
 */
export function rowsInsert(sql: Sql, head: string, row: string, tail = ''): RowsInsert {
  const made: Query[] = [];
  return {
    of: (rows) => (made[rows - 1] ??= sql.query(`${head} ${Array.from({ length: rows }, () => row).join(', ')}${tail ? ` ${tail}` : ''}`)),
  };
}
