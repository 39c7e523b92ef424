/** The event log's table: every journalled event once, in commit order, with its webhook body. */
import { all, get, run, twin, type Sql, type Steps, type Work } from './sql/work.js';
import type { Promised } from './gate.js';
import type { EventLogQuery, LoggedEvent } from '../webhook/records.js';
import type { PendingEvents } from './event-log-pending.js';

/** The repository's shape with plain results; callers get its asynchronous view, `EventLogRepo`. */
export interface EventLogTable {
  insert(e: Omit<LoggedEvent, 'seq'>): void;
  read(q: EventLogQuery): LoggedEvent[];
  /** The newest seq (0 when empty). */
  lastSeq(): number;
  /** Drop the events older than `before` (ms since the epoch) that come before every younger one (seq order). Returns how many. */
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
  // The rows before the oldest one still young, read from the oldest (the rowid's or primary key's order: no index of
  // times is kept for a prune that runs once per thousand events, migration 160). Rows are written as they happen, so
  // their times grow with seq; one dated out of order (a backlog, a skewed clock) is kept or dropped with its neighbours. The rows read
  // are the rows deleted, and the first young one.
  const prune = sql.query(
    'delete from event_log where seq < coalesce((select seq from event_log where at >= ? order by seq limit 1), (select max(seq) + 1 from event_log))',
  );
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

/**
 * SQLite's event log: rows inserted are kept in `pending` until just before the group's COMMIT (./event-log-pending.ts);
 * every other method writes them to the table first, so that it sees them (and a prune keeps their order).
 */
export function withPending(table: Steps<EventLogTable>, pending: PendingEvents): Steps<EventLogTable> {
  // Flushed when the work runs (its turn at the gate), not when it is called.
  const flushed = <A extends unknown[], R>(method: (...args: A) => Work<R>) =>
    function* (...args: A): Work<R> {
      pending.flush();
      return yield* method(...args);
    };
  return {
    insert: twin(
      // No statement now: the row is written with the group's others before the COMMIT.
      // eslint-disable-next-line require-yield
      function* (e: Omit<LoggedEvent, 'seq'>): Work<void> {
        pending.push(e);
      },
      (e) => pending.push(e),
    ),
    read: flushed(table.read),
    lastSeq: flushed(table.lastSeq),
    prune: flushed(table.prune),
  };
}
