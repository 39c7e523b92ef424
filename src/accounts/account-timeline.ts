/**
 * An account's timeline: every change of its session with the reason, kept in the store (bounded)
 * so that an admin who comes back later still sees that the phone logged out with code 1100 and
 * that the account logged in again, or that WeChat was unreachable and when the next attempt is.
 */
import type { TimelineRepo, TimelineRow } from '../store/index.js';
import type { NetworkProblemKind } from '../util/network-problem.js';

/** What happened, with what the panel and the API need to say why. */
export type TimelineEvent =
  /** The session came online (`self`: the account's own name). */
  | { kind: 'online'; self?: string }
  /** A QR is waiting for a scan. */
  | { kind: 'waiting-scan' }
  /** The session ended: `reason` as the transport says it, WeChat's `code` and its `meaning`. */
  | { kind: 'logout'; reason: string; code?: number; meaning?: string; message?: string }
  /** A login attempt failed; `retryInMs` when the ladder tries again by itself. */
  | { kind: 'login-failed'; attempt: number; message: string; problem?: NetworkProblemKind; host?: string; retryInMs?: number }
  /** After a logout the account logs in again by itself in `delayMs`. */
  | { kind: 'relogin'; delayMs: number }
  /** Someone pressed Retry: the waiting attempt starts now. */
  | { kind: 'retry-now' }
  /** The admin started or stopped the account. */
  | { kind: 'started' }
  | { kind: 'stopped' }
  /** WeChat refuses this account's web logins: no more attempts (see web-login-guard.ts). */
  | { kind: 'ladder-stopped'; message: string };

export type TimelineKind = TimelineEvent['kind'];

export type TimelineEntry = { id: number; account: string; at: number } & TimelineEvent;

/** WeChat's session-ending codes in words (the panel translates them; the API carries this text). */
const CODE_MEANINGS: Record<number, string> = {
  1100: 'logged out on the phone, or the session no longer exists',
  1101: 'the session was taken over by another login (web or desktop) or ended by WeChat',
  1102: 'the session expired or WeChat invalidated it',
  1203: 'WeChat refuses web login for this account',
  1205: 'WeChat’s frequency limit',
  [-14]: 'the iLink bot token is dead (bound to another back end, or expired); a new scan is needed',
};

/** What WeChat's code means, or undefined for a code we do not know. */
export function logoutMeaning(code: number | undefined): string | undefined {
  return code === undefined ? undefined : CODE_MEANINGS[code];
}

/** Records events in order (one chain per manager) and tells listeners (the panel's live view). */
export class AccountTimeline {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(e: TimelineEntry) => void>();

  /** @param repoFor the account's timeline repository (in a cluster, fenced while this node runs the account) */
  constructor(
    private readonly repoFor: (account: string) => TimelineRepo,
    private readonly now: () => number,
    private readonly onError: (e: unknown) => void,
  ) {}

  record(account: string, event: TimelineEvent): void {
    const at = this.now();
    const { kind, ...data } = event;
    this.tail = this.tail
      .then(() => this.repoFor(account).add(account, at, kind, data))
      .then(
        (row) => {
          const entry = toEntry(row);
          for (const l of this.listeners) l(entry);
        },
        (e: unknown) => this.onError(e),
      );
  }

  /** Newest first. */
  async list(account: string, limit?: number): Promise<TimelineEntry[]> {
    await this.tail;
    return (await this.repoFor(account).list(account, limit)).map(toEntry);
  }

  /** Every new entry, after it was stored. Returns the unsubscribe function. */
  onEntry(listener: (e: TimelineEntry) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Resolve when what was recorded so far is stored (tests, shutdown). */
  async flush(): Promise<void> {
    await this.tail;
  }
}

function toEntry(row: TimelineRow): TimelineEntry {
  return { ...row.data, id: row.id, account: row.account, at: row.at, kind: row.kind } as TimelineEntry;
}
