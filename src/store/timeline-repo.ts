/**
 * Each account's timeline: what happened to its session and why, newest last, at most
 * `TIMELINE_KEEP` entries per account (older ones are dropped as new ones come).
 */
import { all, atomic, get, run, type Sql, type Steps } from './sql/work.js';
import type { Promised } from './gate.js';

/** Entries kept per account. */
export const TIMELINE_KEEP = 200;

export interface TimelineRow<D = Record<string, unknown>> {
  id: number;
  account: string;
  at: number;
  /** What happened (the accounts layer names the kinds). */
  kind: string;
  /** What the kind needs: reason, WeChat's code, the next attempt's delay … */
  data: D;
}

/** The repository's shape with plain results; callers get its asynchronous view, `TimelineRepo`. */
export interface TimelineTable {
  add(account: string, at: number, kind: string, data: Record<string, unknown>): TimelineRow;
  /** Newest first, at most `limit` (default 50, at most TIMELINE_KEEP). */
  list(account: string, limit?: number): TimelineRow[];
}

export type TimelineRepo = Promised<TimelineTable>;

interface Row {
  id: number;
  account_id: string;
  at: number;
  kind: string;
  data: string;
}

export function createTimelineRepo(sql: Sql): Steps<TimelineTable> {
  const ins = sql.query('insert into account_timeline (account_id, at, kind, data) values (?, ?, ?, ?) returning id');
  const trim = sql.query(
    'delete from account_timeline where account_id = ? and id <= (select id from account_timeline where account_id = ? order by id desc limit 1 offset ?)',
  );
  const list = sql.query('select * from account_timeline where account_id = ? order by id desc limit ?');
  return {
    *add(account, at, kind, data) {
      return yield* atomic(
        (function* () {
          const { id } = (yield* get<{ id: number }>(ins, account, at, kind, JSON.stringify(data)))!;
          yield* run(trim, account, account, TIMELINE_KEEP);
          return { id, account, at, kind, data };
        })(),
      );
    },
    *list(account, limit = 50) {
      const rows = yield* all<Row>(list, account, Math.max(1, Math.min(TIMELINE_KEEP, Math.floor(limit))));
      return rows.map((r) => ({ id: r.id, account: r.account_id, at: r.at, kind: r.kind, data: JSON.parse(r.data) as Record<string, unknown> }));
    },
  };
}
