/** The audit log: every change an operator or the API makes, with who and when. */
import type { Db } from './database.js';
import type { Promised } from './gate.js';

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  target?: string;
  details?: unknown;
}

/** The synchronous SQLite implementation; callers get its asynchronous view, `AuditRepo`. */
export interface AuditTable {
  record(entry: { actor: string; action: string; target?: string; details?: unknown }): void;
  list(options?: { limit?: number; before?: number }): AuditEntry[];
}

export type AuditRepo = Promised<AuditTable>;

export function createAuditRepo(db: Db, now: () => number = Date.now): AuditTable {
  return {
    record({ actor, action, target, details }) {
      db.prepare('insert into audit_log (at, actor, action, target, details) values (?, ?, ?, ?, ?)').run(
        now(),
        actor,
        action,
        target ?? null,
        details === undefined ? null : JSON.stringify(details),
      );
    },
    list({ limit = 100, before } = {}) {
      const rows = db.prepare('select * from audit_log where (? is null or id < ?) order by id desc limit ?').all(before ?? null, before ?? null, limit) as {
        id: number;
        at: number;
        actor: string;
        action: string;
        target: string | null;
        details: string | null;
      }[];
      return rows.map((r) => ({
        id: r.id,
        at: r.at,
        actor: r.actor,
        action: r.action,
        ...(r.target != null && { target: r.target }),
        ...(r.details != null && { details: JSON.parse(r.details) as unknown }),
      }));
    },
  };
}
