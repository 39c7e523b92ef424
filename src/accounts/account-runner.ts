/**
 * An account's run: launched (its plugins, its queue, then its login ladder) and halted (its sends in
 * flight answered, its queue, pipeline and transport stopped, its session saved), with where the halt
 * spent its time. A halt does not wait for a launch under way; a launch that a halt overtook goes no further.
 */
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import { DEFAULT_SEND_STOP_GRACE_MS, type AccountManagerDeps } from './account-manager-deps.js';
import type { ManagedAccount } from './managed-account.js';
import type { LoginLadder } from './login-ladder.js';
import { saveSession } from './stored-session.js';

/**
 * Where an account's stop spent its time, each in ms from its start (a handover's log line): its sends in
 * flight answered, its queue and pipeline stopped, its transport stopped (iLink: the poll's end, `notifystop`),
 * its session saved, its login ended.
 */
export interface StopTimes {
  sendsMs: number;
  queueMs: number;
  transportMs: number;
  savedMs: number;
  loginMs: number;
}

export interface AccountRunnerDeps {
  deps: AccountManagerDeps;
  clock: Clock;
  /** The manager's log. */
  log: Logger;
  ladder: LoginLadder;
}

export class AccountRunner {
  private readonly deps: AccountManagerDeps;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly ladder: LoginLadder;

  constructor(parts: AccountRunnerDeps) {
    this.deps = parts.deps;
    this.clock = parts.clock;
    this.log = parts.log;
    this.ladder = parts.ladder;
  }

  /** Launch the account: its plugins, its queue, then its login ladder (not awaited). Two calls at once launch it once. */
  run(rt: ManagedAccount): Promise<void> {
    if (rt.running) return Promise.resolve();
    if (rt.launching) return rt.launching;
    const launching: Promise<void> = this.launch(rt).finally(() => {
      if (rt.launching === launching) delete rt.launching;
    });
    return (rt.launching = launching);
  }

  /**
   * A halt while this runs does not wait for it: a cluster hands the account over while its plugins or its
   * queued sends still load behind the account's store calls (300 accounts just taken on one node: every
   * launch still loading at a SIGTERM, past the shutdown limit). Halted while its plugins load, it starts
   * nothing; halted while its queue loads, the halt stops what runs and the queue's start starts no worker.
   */
  private async launch(rt: ManagedAccount): Promise<void> {
    const halts = rt.halts;
    await rt.pluginsReady;
    if (rt.halts !== halts) return;
    rt.running = true;
    if (this.deps.cluster) rt.bot.place({ node: this.deps.cluster.node });
    rt.ladderStopped = false;
    rt.failures = 0;
    rt.abort = new AbortController();
    // The queue loads what is queued for the account while the login runs: both wait on the store and
    // neither needs the other first (a reply queued meanwhile joins the loaded rows, after them in its chat).
    // The login first: its session's read goes ahead of the queue's in the store's line, and the
    // account is online (answering) sooner.
    rt.login = this.ladder.login(rt, false);
    try {
      await rt.bot.queue.start();
    } catch (e) {
      // Halted while its rows loaded (a shutdown may close the store under that load): nothing was to start.
      if (rt.halts !== halts) return void this.log.debug({ err: e, account: rt.bot.id }, 'queue load ended by a halt');
      await this.halt(rt);
      throw e;
    }
  }

  /**
   * Stop loops and sends, keep the session for the next start. Returns where the stop's time went (when it stopped
   * anything). `handover`: the account moves to another node (see the drain below).
   */
  async halt(rt: ManagedAccount, handover = false): Promise<StopTimes | undefined> {
    // A launch under way goes no further (`launch`); a run after this halt launches anew.
    rt.halts++;
    delete rt.launching;
    if (!rt.running) return undefined;
    const began = this.clock.now();
    const since = (): number => this.clock.now() - began;
    rt.running = false;
    rt.wake?.abort();
    delete rt.wake;
    rt.bot.setLoginRetry(undefined);
    // The session as it stands, saved while the loops stop rather than before: the save waits its turn
    // in the store behind the account's other writes, and a handover's lease waits for the stop.
    const early = saveSession(rt, this.log);
    // No new send; those in flight end on a running transport. Stopping it aborts their calls (iLink) or
    // closes their sockets (web): WeChat may have such a send and the row would not say so, and the next
    // holder of the account would send it again.
    const queueStopped = rt.bot.queue.stop();
    await rt.bot.queue.callsEnded(this.deps.sendStopGraceMs ?? DEFAULT_SEND_STOP_GRACE_MS);
    const sendsMs = since();
    // The transport's stop begins here, before the login's abort, which would begin it too, as a plain stop: told
    // only later (after the drain below) that the account goes on elsewhere, an iLink stop that ended first had
    // already said `notifystop` (a drain waiting on a slow store, PostgreSQL). Awaited after the drain, as before.
    const transportStopped = rt.bot.transport.stop({ handover }).catch((e: unknown) => this.log.warn({ err: e, account: rt.bot.id }, 'transport stop failed'));
    rt.abort?.abort(new Error('stopped'));
    await queueStopped;
    // A handover waits for what was received only: its lease waits for this stop, and the account's other writes
    // (its directory, its state's events) may wait in its store line behind every account this node just took.
    const drained = { received: handover };
    await rt.runtime.drain(undefined, drained);
    const queueMs = since();
    await transportStopped;
    const transportMs = since();
    // A poll answered while stopping still hands its messages over: they are stored (and answered into
    // the queue) before the session with its cursor is saved. In a cluster the lease is released only
    // after this, so nothing received here is left to a node that no longer holds the account.
    await rt.runtime.drain(undefined, drained);
    // After the early save, so the newer session is the one stored (skipped when nothing changed since).
    await early;
    await saveSession(rt, this.log);
    const savedMs = since();
    if (!rt.loginSaving) await rt.login?.catch(() => {});
    // In a cluster the account may run on another node already: show what that node says.
    if (this.deps.cluster) rt.bot.place(this.deps.cluster.elsewhere(rt.bot.id));
    rt.bot.setState('stopped');
    return { sendsMs, queueMs, transportMs, savedMs, loginMs: since() };
  }
}
