/** Saved login sessions, sealed with the SecretBox (they hold skey, sid, pass_ticket and cookies). */
import type { Db } from './database.js';
import type { Promised } from './gate.js';
import type { SecretBox } from './secret-box.js';

/** The synchronous SQLite implementation; callers get its asynchronous view, `SessionsRepo`. */
export interface SessionsTable {
  load(accountId: string): Record<string, unknown> | undefined;
  save(accountId: string, session: Record<string, unknown>): void;
  clear(accountId: string): void;
}

export type SessionsRepo = Promised<SessionsTable>;

export function createSessionsRepo(db: Db, box: SecretBox, now: () => number = Date.now): SessionsTable {
  return {
    load(accountId) {
      const row = db.prepare<[string], { sealed: string }>('select sealed from sessions where account_id = ?').get(accountId);
      if (!row) return undefined;
      return JSON.parse(box.open(row.sealed)) as Record<string, unknown>;
    },
    save(accountId, session) {
      db.prepare(
        `insert into sessions (account_id, sealed, updated_at) values (?, ?, ?)
         on conflict(account_id) do update set sealed = excluded.sealed, updated_at = excluded.updated_at`,
      ).run(accountId, box.seal(JSON.stringify(session)), now());
    },
    clear(accountId) {
      db.prepare('delete from sessions where account_id = ?').run(accountId);
    },
  };
}
