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
import { createCommitSignal, type CommitSignal } from './commit-signal.js';

export type { EventLogQuery, LoggedEvent } from './records.js';

export interface EventLog {
  /** The event writer: runs inside the caller's transaction and writes through its `tx`. */
  write(e: BotEvent, tx: Repos): Promise<void>;
  read(q: EventLogQuery): Promise<LoggedEvent[]>;
  /** The newest seq (0 when empty): where a client without Last-Event-ID starts. */
  lastSeq(): Promise<number>;
  /** How many events were committed so far (the post-commit signal's wakes): a reader notes it before it reads. */
  wakes(): number;
  /**
   * Resolves after the next committed event, or when the signal aborts. With `since` (a `wakes()` taken before the
   * reader's last read), at once when one came since: it may have committed after that read had looked.
   */
  changed(signal: AbortSignal, since?: number): Promise<void>;
  /** Drop the events older than `before` (ms since the epoch) that come before every younger one (seq order). Returns how many. */
  prune(before: number): Promise<number>;
}

/**
 * @example
 *   const committed = createCommitSignal();
 *   const log = createEventLog(store.eventLog, (account, id) => webhooks.mediaLinks.link(account, id), { committed });
 *   const manager = new AccountManager({ ..., eventWriters: [webhooks.eventWriter, log.write] });
 *   manager.onEvent(() => committed.wake());
 */
export function createEventLog(
  repo: EventLogRepo,
  mediaLink?: MediaLinker,
  options: { keepMs?: number; now?: () => number; committed?: CommitSignal } = {},
): EventLog {
  const keepMs = options.keepMs ?? 7 * 86_400_000;
  const now = options.now ?? Date.now;
  // Woken by whoever commits the events (src/main.ts: the account manager's announcements), not by the write:
  // the write runs inside the caller's transaction, before its COMMIT.
  const committed = options.committed ?? createCommitSignal();
  let writes = 0;
  return {
    // The insert's promise itself, not one chained to it (nor an async function's around it): this runs three times
    // per echoed message. Every thousandth write prunes after its insert, in the same transaction.
    write: (e, tx) => {
      const inserted = tx.eventLog.insert({ type: e.type, account: e.account, at: e.at, body: webhookBody(e, mediaLink) });
      return ++writes % 1000 === 0 ? inserted.then(() => tx.eventLog.prune(now() - keepMs)).then(() => {}) : inserted;
    },
    read: (q) => repo.read(q),
    lastSeq: () => repo.lastSeq(),
    wakes: committed.wakes,
    changed: committed.changed,
    prune: (before) => repo.prune(before),
  };
}
