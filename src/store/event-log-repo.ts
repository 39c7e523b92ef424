/** The event log's table: every journalled event once, in commit order, with its webhook body. */
import type { Db } from './database.js';
import type { Promised } from './gate.js';
import type { EventLogQuery, LoggedEvent } from '../webhook/records.js';

/** The synchronous SQLite implementation; callers get its asynchronous view, `EventLogRepo`. */
export interface EventLogTable {
  insert(e: Omit<LoggedEvent, 'seq'>): void;
  read(q: EventLogQuery): LoggedEvent[];
  /** The newest seq (0 when empty). */
  lastSeq(): number;
  /** Drop events older than `before` (ms since the epoch). Returns how many. */
  prune(before: number): number;
}

export type EventLogRepo = Promised<EventLogTable>;

export function createEventLogRepo(db: Db): EventLogTable {
  const insert = db.prepare('insert into event_log (type, account, at, body) values (?, ?, ?, ?)');
  const last = db.prepare<[], { seq: number | null }>('select max(seq) as seq from event_log');
  const prune = db.prepare('delete from event_log where at < ?');
  return {
    insert: (e) => void insert.run(e.type, e.account, e.at, e.body),
    read: (q) => {
      const where = ['seq > ?'];
      const args: (string | number)[] = [q.after];
      if (q.accounts?.length) {
        where.push(`account in (${q.accounts.map(() => '?').join(', ')})`);
        args.push(...q.accounts);
      }
      if (q.types?.length) {
        where.push(`type in (${q.types.map(() => '?').join(', ')})`);
        args.push(...q.types);
      }
      const limit = Math.max(1, Math.min(1000, Math.floor(q.limit ?? 200)));
      return db
        .prepare(`select seq, type, account, at, body from event_log where ${where.join(' and ')} order by seq limit ${limit}`)
        .all(...args) as LoggedEvent[];
    },
    lastSeq: () => last.get()?.seq ?? 0,
    prune: (before) => prune.run(before).changes,
  };
}
