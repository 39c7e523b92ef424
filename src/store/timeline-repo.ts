/**
 * Each account's timeline: what happened to its session and why, newest last, at most
 * `TIMELINE_KEEP` entries per account (older ones are dropped as new ones come).
 */
import type { Db } from './database.js';
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

/** The synchronous SQLite implementation; callers get its asynchronous view, `TimelineRepo`. */
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

export function createTimelineRepo(db: Db): TimelineTable {
  const ins = db.prepare<[string, number, string, string]>('insert into account_timeline (account_id, at, kind, data) values (?, ?, ?, ?)');
  const trim = db.prepare<[string, string, number]>(
    'delete from account_timeline where account_id = ? and id <= (select id from account_timeline where account_id = ? order by id desc limit 1 offset ?)',
  );
  const list = db.prepare<[string, number], Row>('select * from account_timeline where account_id = ? order by id desc limit ?');
  const add = db.transaction((account: string, at: number, kind: string, data: Record<string, unknown>): TimelineRow => {
    const id = Number(ins.run(account, at, kind, JSON.stringify(data)).lastInsertRowid);
    trim.run(account, account, TIMELINE_KEEP);
    return { id, account, at, kind, data };
  });
  return {
    add: (account, at, kind, data) => add(account, at, kind, data),
    list: (account, limit = 50) =>
      list.all(account, Math.max(1, Math.min(TIMELINE_KEEP, Math.floor(limit)))).map((r) => ({
        id: r.id,
        account: r.account_id,
        at: r.at,
        kind: r.kind,
        data: JSON.parse(r.data) as Record<string, unknown>,
      })),
  };
}
