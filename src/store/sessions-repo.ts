/** Saved login sessions, sealed with the SecretBox (they hold skey, sid, pass_ticket and cookies). */
import type { Db } from './database.js';
import type { SecretBox } from './secret-box.js';

export interface SessionsRepo {
  load(accountId: string): Record<string, unknown> | undefined;
  save(accountId: string, session: Record<string, unknown>): void;
  clear(accountId: string): void;
}

export function createSessionsRepo(db: Db, box: SecretBox, now: () => number = Date.now): SessionsRepo {
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
