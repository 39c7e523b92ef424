/**
 * The receive loop (§5.5, §5.6, §11.2), readable in one screen: exactly one synccheck at a time;
 * any non-zero selector → webwxsync (again while ContinueFlag says so); 1100/1101/1102 anywhere →
 * logout at once; network errors, timeouts, 5xx, garbage and 1205 → capped exponential back-off
 * with jitter through the Clock; a watchdog aborts a hung cycle; a pause after repeated empty
 * syncs keeps a stuck selector from hot-looping.
 */
import { TransportError, isTransportError } from '../transport/errors.js';
import type { SessionCore } from './core.js';
import { applySync } from './dispatch.js';
import { LOGOUT_CODES } from './api-errors.js';
import { backoffDelay } from '../util/backoff.js';
import { logFailure } from '../logger.js';
import type { Clock } from '../util/clock.js';
import { turnEnd } from '../transport/sends-in-flight.js';

export type LoopEnd = { kind: 'stopped' } | { kind: 'logout'; code: number; message: string };

/**
 * The loop's watchdog on the session clock: it aborts the cycle it watches when a deadline passes.
 * One per loop, not one per cycle: an idle account re-arms it on every long poll (1,000 accounts:
 * 40 times a second), and a timer with an AbortController to cancel it, whose abort() also built a
 * DOMException, was a visible part of the idle CPU and of what each held poll kept alive. Re-arming
 * only moves the deadline; the one sleeper wakes, sees a later deadline and sleeps the rest.
 */
class CycleWatchdog {
  private deadline = Infinity;
  private ms = 0;
  private cycle: AbortController | undefined;
  /** When the current sleeper wakes (Infinity: none), and which sleeper is current. */
  private wakeAt = Infinity;
  private sleeper = 0;
  /** Ends the sleeper when the loop ends (the one abort per loop). */
  private readonly stop = new AbortController();

  constructor(private readonly clock: Clock) {}

  arm(ms: number, cycle: AbortController): void {
    this.ms = ms;
    this.cycle = cycle;
    this.deadline = this.clock.now() + ms;
    // A sleeper that wakes by then re-checks; one that would wake later (armed for a longer step) is replaced.
    if (this.wakeAt > this.deadline) this.sleep(ms);
  }

  disarm(): void {
    this.deadline = Infinity;
    this.cycle = undefined;
  }

  close(): void {
    this.disarm();
    this.stop.abort(LOOP_ENDED);
  }

  private sleep(ms: number): void {
    const me = ++this.sleeper;
    this.wakeAt = this.clock.now() + ms;
    this.clock.sleep(ms, this.stop.signal).then(
      () => {
        if (me !== this.sleeper) return;
        this.wakeAt = Infinity;
        if (this.deadline === Infinity) return;
        const left = this.deadline - this.clock.now();
        if (left > 0) return this.sleep(left);
        const cycle = this.cycle;
        this.disarm();
        cycle?.abort(new TransportError('network', `sync cycle hung for ${this.ms} ms (watchdog)`));
      },
      () => undefined,
    );
  }
}

/** The reason the watchdog's sleeper ends with (made once: an abort without a reason builds a DOMException). */
const LOOP_ENDED = new Error('sync loop ended');

/**
 * One webwxsync, applied: the changes it brought and whether the server has more (ContinueFlag). A function of its
 * own so that the parsed answer (about 1.5 KB per message, a hundred messages) is dropped when it returns: held in
 * the loop's frame, it stayed alive through the wait for the replies' sends and the next synccheck (up to 500 ms)
 * and the young generation's collections copied and promoted all of it (issue 17).
 */
async function syncRound(core: SessionCore, signal: AbortSignal): Promise<{ changes: number; more: boolean }> {
  const r = await core.api.sync(signal);
  const changes = await applySync(core, r, signal);
  return { changes, more: !!r.ContinueFlag };
}

/**
 * Run until the signal aborts (→ stopped) or the session dies (→ logout). Never throws for
 * network trouble; a bug in a listener is reported as `error` and the loop goes on.
 */
export async function runSyncLoop(core: SessionCore, signal: AbortSignal): Promise<LoopEnd> {
  const { api, tuning, clock } = core;
  let failures = 0;
  let emptyRuns = 0;
  // One controller per loop for the requests of every cycle, renewed only after it was aborted (a
  // hung cycle): a fresh one per long poll, linked to `signal` and unlinked again, was garbage that
  // lived as long as the poll (25 s), so it outlived young-generation collections and filled the
  // old generation, whose full collections are what an idle process with a big heap pays for.
  let cycle = new AbortController();
  const onStop = (): void => cycle.abort(signal.reason);
  signal.addEventListener('abort', onStop, { once: true });
  const watchdog = new CycleWatchdog(clock);
  // How long the loop waited for the account's sends since its last sync: before a synccheck (a reply that
  // waits for its connection) and after it (their echoes) together, at most `sendsSettleMaxMs`, the longest a
  // message from someone else is kept waiting by our own sends.
  let sendsWaited = 0;
  const settleSends = async (): Promise<void> => {
    const left = tuning.sendsSettleMaxMs - sendsWaited;
    if (left <= 0) return;
    const from = clock.now();
    await core.sends.settled(left, clock, cycle.signal);
    sendsWaited += clock.now() - from;
  };
  try {
    while (!signal.aborted) {
      if (cycle.signal.aborted) cycle = new AbortController();
      watchdog.arm(api.opts.timeouts.syncCheck + tuning.watchdogSlackMs, cycle);
      try {
        const check = await api.syncCheck(cycle.signal);
        if (!check) throw new TransportError('network', 'synccheck: unreadable answer');
        if (LOGOUT_CODES.has(check.retcode)) return { kind: 'logout', code: check.retcode, message: `synccheck retcode ${check.retcode}` };
        if (check.retcode !== 0) throw new TransportError('server', `synccheck retcode ${check.retcode}`, check.retcode);
        if (check.selector !== 0) {
          // Our own sends' echoes: one sync for all of those in flight, not one per send (sends-in-flight.ts).
          if (core.sends.size > 0) await settleSends();
          sendsWaited = 0;
          let rounds = 0;
          let changes = 0;
          for (;;) {
            watchdog.arm(api.opts.timeouts.sync + tuning.watchdogSlackMs, cycle);
            const round = await syncRound(core, cycle.signal);
            changes += round.changes;
            if (!round.more || ++rounds >= tuning.maxContinue) break;
          }
          emptyRuns = changes === 0 ? emptyRuns + 1 : 0;
          if (changes > 0) {
            // The replies this sync set going go before the next synccheck (transport/sends-in-flight.ts). A lone
            // message's reply is written within the turn on SQLite (the bot stores the message, the pipeline
            // answers, the COMMIT and the send follow): a synccheck issued first went before it at the server for
            // 94 of 100 single messages on bench/compare's keep-alive sandbox, none since. One that must connect
            // first (WeChat closes every JSON connection, the synccheck's stays open) is waited for. A store whose
            // COMMIT is a round trip (PostgreSQL) commits after the turn, and its reply starts later still: there
            // the poll may still go first.
            await turnEnd();
            if (core.sends.size > 0) await settleSends();
          }
        } else {
          emptyRuns = 0;
        }
        failures = 0;
        core.events.emit('heartbeat', { at: clock.now() });
        if (emptyRuns >= tuning.emptySyncsBeforePause) {
          watchdog.disarm();
          await clock.sleep(tuning.emptySyncPauseMs, signal);
        }
      } catch (err) {
        if (signal.aborted) break;
        if (isTransportError(err) && err.kind === 'logged-out') {
          return { kind: 'logout', code: err.code ?? 1101, message: err.message };
        }
        failures++;
        // ±50 %: many sessions that lost the network together come back spread out.
        const delay = backoffDelay(failures, { baseMs: tuning.backoffBaseMs, maxMs: tuning.backoffMaxMs, jitter: 0.5 }, () => clock.random());
        logFailure(core.log, err, { failures, delay }, 'sync cycle failed; backing off');
        watchdog.disarm();
        try {
          await clock.sleep(delay, signal);
        } catch {
          break;
        }
      } finally {
        watchdog.disarm();
      }
    }
  } finally {
    watchdog.close();
    signal.removeEventListener('abort', onStop);
  }
  return { kind: 'stopped' };
}
