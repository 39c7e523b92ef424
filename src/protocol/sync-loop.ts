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

export type LoopEnd = { kind: 'stopped' } | { kind: 'logout'; code: number; message: string };

/**
 * The reason a watchdog is disarmed with (two or three times per cycle): `abort()` without one
 * builds a DOMException, stack trace included, each time.
 */
const DISARMED = new Error('sync cycle ended');

/** Abort `ctrl` after `ms` on the session clock unless `disarm` fires first. */
function arm(core: SessionCore, ms: number, ctrl: AbortController): AbortController {
  const disarm = new AbortController();
  core.clock.sleep(ms, disarm.signal).then(
    () => ctrl.abort(new TransportError('network', `sync cycle hung for ${ms} ms (watchdog)`)),
    () => undefined,
  );
  return disarm;
}

/**
 * Run until the signal aborts (→ stopped) or the session dies (→ logout). Never throws for
 * network trouble; a bug in a listener is reported as `error` and the loop goes on.
 */
export async function runSyncLoop(core: SessionCore, signal: AbortSignal): Promise<LoopEnd> {
  const { api, tuning, clock } = core;
  let failures = 0;
  let emptyRuns = 0;
  while (!signal.aborted) {
    const cycle = new AbortController();
    const onStop = (): void => cycle.abort(signal.reason);
    signal.addEventListener('abort', onStop, { once: true });
    let watchdog = arm(core, api.opts.timeouts.syncCheck + tuning.watchdogSlackMs, cycle);
    try {
      const check = await api.syncCheck(cycle.signal);
      if (!check) throw new TransportError('network', 'synccheck: unreadable answer');
      if (LOGOUT_CODES.has(check.retcode)) return { kind: 'logout', code: check.retcode, message: `synccheck retcode ${check.retcode}` };
      if (check.retcode !== 0) throw new TransportError('server', `synccheck retcode ${check.retcode}`, check.retcode);
      if (check.selector !== 0) {
        let rounds = 0;
        let changes = 0;
        for (;;) {
          watchdog.abort(DISARMED);
          watchdog = arm(core, api.opts.timeouts.sync + tuning.watchdogSlackMs, cycle);
          const r = await api.sync(cycle.signal);
          changes += await applySync(core, r, cycle.signal);
          if (!r.ContinueFlag || ++rounds >= tuning.maxContinue) break;
        }
        emptyRuns = changes === 0 ? emptyRuns + 1 : 0;
      } else {
        emptyRuns = 0;
      }
      failures = 0;
      core.events.emit('heartbeat', { at: clock.now() });
      if (emptyRuns >= tuning.emptySyncsBeforePause) {
        watchdog.abort(DISARMED);
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
      watchdog.abort(DISARMED);
      try {
        await clock.sleep(delay, signal);
      } catch {
        break;
      }
    } finally {
      watchdog.abort(DISARMED);
      signal.removeEventListener('abort', onStop);
    }
  }
  return { kind: 'stopped' };
}
