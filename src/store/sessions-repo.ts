/** Saved login sessions, sealed with the SecretBox (they hold skey, sid, pass_ticket and cookies). */
import { get, run, type Sql, type Steps } from './sql/work.js';
import type { Promised } from './gate.js';
import type { SecretBox } from './secret-box.js';
import { StoreError } from './errors.js';
import { messageOf } from '../util/error-text.js';

/**
 * The saved session is there but cannot be opened (sealed with another SECRET_KEY, or damaged): only
 * a new login helps. Any other error of `load` (the database did not answer) leaves the session as it is.
 */
export class UnreadableSession extends StoreError {}

/** The repository's shape with plain results; callers get its asynchronous view, `SessionsRepo`. */
export interface SessionsTable {
  load(accountId: string): Record<string, unknown> | undefined;
  save(accountId: string, session: Record<string, unknown>): void;
  clear(accountId: string): void;
}

export type SessionsRepo = Promised<SessionsTable>;

export function createSessionsRepo(sql: Sql, box: SecretBox, now: () => number = Date.now): Steps<SessionsTable> {
  const load = sql.query('select sealed from sessions where account_id = ?');
  const save = sql.query(
    `insert into sessions (account_id, sealed, updated_at) values (?, ?, ?)
     on conflict(account_id) do update set sealed = excluded.sealed, updated_at = excluded.updated_at`,
  );
  const clear = sql.query('delete from sessions where account_id = ?');
  return {
    *load(accountId) {
      const row = yield* get<{ sealed: string }>(load, accountId);
      if (!row) return undefined;
      try {
        return JSON.parse(box.open(row.sealed)) as Record<string, unknown>;
      } catch (e) {
        throw new UnreadableSession(`the saved session of ${accountId} cannot be opened: ${messageOf(e)}`, { cause: e });
      }
    },
    *save(accountId, session) {
      yield* run(save, accountId, box.seal(JSON.stringify(session)), now());
    },
    *clear(accountId) {
      yield* run(clear, accountId);
    },
  };
}
