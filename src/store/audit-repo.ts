/** The audit log: every change an operator or the API makes, with who and when. */
import { all, run, type Sql, type Steps } from './sql/work.js';
import type { Promised } from './gate.js';

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  target?: string;
  details?: unknown;
}

/** The repository's shape with plain results; callers get its asynchronous view, `AuditRepo`. */
export interface AuditTable {
  record(entry: { actor: string; action: string; target?: string; details?: unknown }): void;
  list(options?: { limit?: number; before?: number }): AuditEntry[];
}

export type AuditRepo = Promised<AuditTable>;

interface Row {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  details: string | null;
}

export function createAuditRepo(sql: Sql, now: () => number = Date.now): Steps<AuditTable> {
  const record = sql.query('insert into audit_log (at, actor, action, target, details) values (?, ?, ?, ?, ?)');
  const list = sql.query('select * from audit_log where (cast(? as bigint) is null or id < ?) order by id desc limit ?');
  return {
    *record({ actor, action, target, details }) {
      yield* run(record, now(), actor, action, target ?? null, details === undefined ? null : JSON.stringify(details));
    },
    *list({ limit = 100, before } = {}) {
      const rows = yield* all<Row>(list, before ?? null, before ?? null, limit);
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
