/** Saved login sessions, sealed with the SecretBox (they hold skey, sid, pass_ticket and cookies). */
import { get, run, type Sql, type Steps } from './sql/work.js';
import type { Promised } from './gate.js';
import type { SecretBox } from './secret-box.js';

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
      return JSON.parse(box.open(row.sealed)) as Record<string, unknown>;
    },
    *save(accountId, session) {
      yield* run(save, accountId, box.seal(JSON.stringify(session)), now());
    },
    *clear(accountId) {
      yield* run(clear, accountId);
    },
  };
}
