/**
 * The event log: every journalled event once, in commit order, with the same JSON body a webhook
 * carries. It is written by an event writer inside the bot's transaction (so an event is in the log
 * exactly when it happened) and read by `GET /api/v1/events`, whose SSE ids are the log's seq: a
 * client that reconnects with `Last-Event-ID` gets everything after it, across restarts.
 */
import type { EventLogRepo, Repos } from '../store/index.js';
import type { BotEvent } from '../bot/types.js';
import { webhookBody, type MediaLinker } from './events.js';
import type { EventLogQuery, LoggedEvent } from './records.js';

export type { EventLogQuery, LoggedEvent } from './records.js';

export interface EventLog {
  /** The event writer: runs inside the caller's transaction and writes through its `tx`. */
  write(e: BotEvent, tx: Repos): Promise<void>;
  read(q: EventLogQuery): Promise<LoggedEvent[]>;
  /** The newest seq (0 when empty): where a client without Last-Event-ID starts. */
  lastSeq(): Promise<number>;
  /** How many wakes so far: a reader notes it before it reads, and passes it to `changed`. */
  wakes(): number;
  /**
   * Resolves after the next commit that wrote events (or `wake`), or when the signal aborts. With `since` (a `wakes()`
   * taken before the reader's last read), at once when a wake came since: the events it announced may have committed
   * after that read had looked, and waiting for the next one would leave them unread until then.
   */
  changed(signal: AbortSignal, since?: number): Promise<void>;
  /** Another process sharing the store (a cluster node) committed events: the waiting readers read again. */
  wake(): void;
  /** Drop events older than `before` (ms since the epoch). Returns how many. */
  prune(before: number): Promise<number>;
}

/**
 * @example
 *   const log = createEventLog(store.eventLog, (account, id) => webhooks.mediaLinks.link(account, id));
 *   new AccountManager({ ..., eventWriters: [webhooks.eventWriter, log.write] });
 */
export function createEventLog(repo: EventLogRepo, mediaLink?: MediaLinker, options: { keepMs?: number; now?: () => number } = {}): EventLog {
  const keepMs = options.keepMs ?? 7 * 86_400_000;
  const now = options.now ?? Date.now;
  let waiters: (() => void)[] = [];
  let notifyScheduled = false;
  let writes = 0;
  let wakes = 0;
  const wake = (): void => {
    wakes++;
    notifyScheduled = false;
    const w = waiters;
    waiters = [];
    for (const r of w) r();
  };
  return {
    // One promise per event (the insert's), not an async function's around it: this runs three times per echoed message.
    write: (e, tx) =>
      tx.eventLog.insert({ type: e.type, account: e.account, at: e.at, body: webhookBody(e, mediaLink) }).then(() => {
        // The writer runs inside the caller's transaction: this wake comes at the earliest a turn later, which on
        // SQLite (one connection, in order) is after the COMMIT. On PostgreSQL an account's writes run on a line of
        // their own and a reader may read first: the caller wakes the readers again once committed (`wake`).
        if (!notifyScheduled) {
          notifyScheduled = true;
          setImmediate(wake);
        }
        return ++writes % 1000 === 0 ? tx.eventLog.prune(now() - keepMs).then(() => {}) : undefined;
      }),
    read: (q) => repo.read(q),
    lastSeq: () => repo.lastSeq(),
    wakes: () => wakes,
    changed: (signal, since) =>
      new Promise<void>((resolve) => {
        if (signal.aborted || (since !== undefined && since !== wakes)) return resolve();
        const done = (): void => {
          signal.removeEventListener('abort', done);
          waiters = waiters.filter((w) => w !== done);
          resolve();
        };
        waiters.push(done);
        signal.addEventListener('abort', done, { once: true });
      }),
    prune: (before) => repo.prune(before),
    wake,
  };
}
