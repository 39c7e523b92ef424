/**
 * A session's send calls in flight, so that its receive loop can let them finish before it polls or syncs
 * (both transports: the web protocol's sync loop, iLink's getupdates loop).
 *
 * Every message the account sends comes back as an echo through webwxsync, and WeChat's synccheck
 * answers as soon as one is waiting. A bot answering a burst therefore had its synccheck answered by
 * each send's echo in turn: a sync (and a COMMIT, and a synccheck) per few sends, 187 syncs for a
 * 2,000-message echo burst where a client that syncs once its sends are done needs 25 (issue 17).
 * Waiting for the sends in flight (bounded: `SyncTuning.sendsSettleMaxMs`) collects their echoes in
 * one sync. A message from someone else waits no longer than that bound, and not at all while nothing
 * is being sent.
 *
 * And the replies to what a poll brought go before the next poll (`turnEnd`, then `settled`): a poll that
 * went first gained nothing (the server holds it until something comes) and cost the reply the building and
 * writing of the poll, a place behind it at the server, and where the reply must connect first (WeChat closes
 * every JSON connection, the long poll's stays open) the whole round trip of a connection (issue 17: latency).
 */
import type { Clock } from '../util/clock.js';

export class SendsInFlight {
  private count = 0;
  private waiters: (() => void)[] = [];

  /** Count `call` while it runs; answers what it answers. */
  track<T>(call: Promise<T>): Promise<T> {
    this.begin();
    return call.finally(() => this.end());
  }

  /**
   * A send call starts; the caller calls `end` once it has its answer or failure (in a `finally`). For a caller
   * that is an async function anyway (the web send): no promise and no closure of `track`'s per send.
   */
  begin(): void {
    this.count++;
  }

  end(): void {
    if (--this.count > 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  get size(): number {
    return this.count;
  }

  /** Resolve once no send is in flight, after `maxMs` at the latest, or when `signal` aborts. */
  settled(maxMs: number, clock: Clock, signal: AbortSignal): Promise<void> {
    if (this.count === 0 || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = new AbortController();
      const done = (): void => {
        timer.abort(SETTLED);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal.addEventListener('abort', done, { once: true });
      clock.sleep(maxMs, timer.signal).then(done, () => undefined);
    });
  }
}

/**
 * The end of this turn of the event loop: a request that what was announced in this turn set going (a lone
 * message's reply: stored, answered, committed and sent within the turn on SQLite) is written by then.
 */
export const turnEnd = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The reason the bound's timer is cancelled with (made once: an abort without one builds a DOMException). */
const SETTLED = new Error('sends settled');
