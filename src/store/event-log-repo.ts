/** The event log's table: every journalled event once, in commit order, with its webhook body. */
import { all, get, run, twin, type Sql, type Steps, type Work } from './sql/work.js';
import type { Promised } from './gate.js';
import type { EventLogQuery, LoggedEvent } from '../webhook/records.js';

/** The repository's shape with plain results; callers get its asynchronous view, `EventLogRepo`. */
export interface EventLogTable {
  insert(e: Omit<LoggedEvent, 'seq'>): void;
  read(q: EventLogQuery): LoggedEvent[];
  /** The newest seq (0 when empty). */
  lastSeq(): number;
  /** Drop events older than `before` (ms since the epoch). Returns how many. */
  prune(before: number): number;
}

export type EventLogRepo = Promised<EventLogTable>;

/** Any number (not the migrations' one): the advisory lock that orders the event log's writers across nodes. */
const EVENT_LOG_LOCK = 7_140_019;

export function createEventLogRepo(sql: Sql): Steps<EventLogTable> {
  // On PostgreSQL several nodes write the log: a sequence hands out numbers as transactions insert, but they become
  // visible as those commit, so 11 could be read before 10 commits and a reader past 11 would never see 10. A
  // transaction-level lock taken before the number is drawn (held until commit) makes numbers follow commit order.
  const insert = sql.query({
    sqlite: 'insert into event_log (type, account, at, body) values (?, ?, ?, ?)',
    postgres: `insert into event_log (type, account, at, body)
      select ?::text, ?::text, ?::bigint, ?::text from (select pg_advisory_xact_lock(${EVENT_LOG_LOCK})) as turn`,
  });
  const last = sql.query('select max(seq) as seq from event_log');
  const prune = sql.query('delete from event_log where at < ?');
  return {
    // With a plain twin on SQLite: three events per echoed message, each a generator for the method and one for its
    // statement (with their argument arrays) without it (issue 17: about 3 KB of the 73 KB allocated per echo).
    insert: twin(
      function* (e: Omit<LoggedEvent, 'seq'>): Work<void> {
        yield* run(insert, e.type, e.account, e.at, e.body);
      },
      insert.now && ((e) => void insert.now!.run([e.type, e.account, e.at, e.body])),
    ),
    *read(q) {
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
      return yield* all<LoggedEvent>(
        sql.query(`select seq, type, account, at, body from event_log where ${where.join(' and ')} order by seq limit ${limit}`),
        ...args,
      );
    },
    *lastSeq() {
      return (yield* get<{ seq: number | null }>(last))?.seq ?? 0;
    },
    *prune(before) {
      return yield* run(prune, before);
    },
  };
}
