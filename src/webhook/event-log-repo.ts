/**
 * The event log: every journalled event once, in commit order, with the same JSON body a webhook
 * carries. It is written by an event writer inside the bot's transaction (so an event is in the log
 * exactly when it happened) and read by `GET /api/v1/events`, whose SSE ids are the log's seq: a
 * client that reconnects with `Last-Event-ID` gets everything after it, across restarts.
 */
import type { Db } from '../store/database.js';
import type { BotEvent } from '../bot/types.js';
import { webhookBody, type MediaLinker } from './events.js';

export interface LoggedEvent {
  seq: number;
  type: string;
  account: string;
  at: number;
  /** `{type, timestamp, account, data}`, as a webhook body. */
  body: string;
}

export interface EventLogQuery {
  /** Events with seq above this. */
  after: number;
  accounts?: string[];
  types?: string[];
  /** Default 200, at most 1000. */
  limit?: number;
}

export interface EventLog {
  /** The event writer (synchronous, runs inside the caller's transaction). */
  write(e: BotEvent): void;
  read(q: EventLogQuery): LoggedEvent[];
  /** The newest seq (0 when empty): where a client without Last-Event-ID starts. */
  lastSeq(): number;
  /** Resolves after the next commit that wrote events, or when the signal aborts. */
  changed(signal: AbortSignal): Promise<void>;
  /** Drop events older than `before` (ms since the epoch). Returns how many. */
  prune(before: number): number;
}

/**
 * @example
 *   const log = createEventLog(store.db, (account, id) => webhooks.mediaLinks.link(account, id));
 *   new AccountManager({ ..., eventWriters: [webhooks.eventWriter, log.write] });
 */
export function createEventLog(db: Db, mediaLink?: MediaLinker, options: { keepMs?: number; now?: () => number } = {}): EventLog {
  const insert = db.prepare('insert into event_log (type, account, at, body) values (?, ?, ?, ?)');
  const last = db.prepare<[], { seq: number | null }>('select max(seq) as seq from event_log');
  const keepMs = options.keepMs ?? 7 * 86_400_000;
  const now = options.now ?? Date.now;
  let waiters: (() => void)[] = [];
  let notifyScheduled = false;
  let writes = 0;
  return {
    write: (e) => {
      insert.run(e.type, e.account, e.at, webhookBody(e, mediaLink));
      // The writer runs inside the caller's transaction: readers are woken once it committed.
      if (!notifyScheduled) {
        notifyScheduled = true;
        setImmediate(() => {
          notifyScheduled = false;
          const w = waiters;
          waiters = [];
          for (const r of w) r();
        });
      }
      if (++writes % 1000 === 0) db.prepare('delete from event_log where at < ?').run(now() - keepMs);
    },
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
    changed: (signal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const done = (): void => {
          signal.removeEventListener('abort', done);
          waiters = waiters.filter((w) => w !== done);
          resolve();
        };
        waiters.push(done);
        signal.addEventListener('abort', done, { once: true });
      }),
    prune: (before) => db.prepare('delete from event_log where at < ?').run(before).changes,
  };
}
