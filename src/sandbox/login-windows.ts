/**
 * Start-up windows as the server sees them: from a session's webwxinit to the last request it made
 * before its first synccheck (init, statusnotify, the address book, the first sync, members). A
 * client that restores many accounts "like a good neighbour" keeps few of these open at once; the
 * control API (`GET /sandbox/api/logins`) lists them and their peak overlap, so a benchmark counts
 * concurrent logins from the server's side instead of trusting the client.
 */
import type { Session } from './session.js';

export interface LoginWindow {
  seq: number;
  account: string;
  /** When webwxinit arrived. */
  startedAt: number;
  /** When the last start-up request arrived (the synccheck that ends the window is not one). */
  lastRequestAt: number;
  /** False while the session has not polled synccheck yet. */
  closed: boolean;
}

/** Windows kept for the control API (oldest dropped first). */
const KEEP = 20_000;

export class LoginWindows {
  private readonly list: LoginWindow[] = [];
  private readonly open = new WeakMap<Session, LoginWindow>();
  private seq = 0;

  /** webwxinit: a new window (a second init of the same session starts another one). */
  start(s: Session, now: number): void {
    this.end(s);
    const w: LoginWindow = { seq: ++this.seq, account: s.account.id, startedAt: now, lastRequestAt: now, closed: false };
    this.open.set(s, w);
    this.list.push(w);
    if (this.list.length > KEEP) this.list.splice(0, this.list.length - KEEP);
  }

  /** Any authenticated request of the session: a start-up request while its window is open, the end of it for synccheck. */
  request(s: Session, endpoint: string, now: number): void {
    const w = this.open.get(s);
    if (!w) return;
    if (endpoint === 'synccheck') {
      w.closed = true;
      this.open.delete(s);
    } else w.lastRequestAt = now;
  }

  /** The session died before it polled: its window ends where its requests did. */
  end(s: Session): void {
    const w = this.open.get(s);
    if (!w) return;
    w.closed = true;
    this.open.delete(s);
  }

  /** Windows with seq > `since`. */
  since(since: number): LoginWindow[] {
    return this.list.filter((w) => w.seq > since);
  }
}

/**
 * The most windows open at one instant. A window covers [startedAt, lastRequestAt) and at least its
 * first millisecond; one that starts at the very instant another ends does not overlap it (a
 * client's next login follows the last answer of the previous one, so the times may tie).
 */
export function peakOverlap(windows: Pick<LoginWindow, 'startedAt' | 'lastRequestAt'>[]): number {
  const edges: [number, number][] = [];
  for (const w of windows) edges.push([w.startedAt, 1], [Math.max(w.lastRequestAt, w.startedAt + 1), -1]);
  // Ends before starts at the same instant.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, d] of edges) {
    open += d;
    if (open > peak) peak = open;
  }
  return peak;
}
