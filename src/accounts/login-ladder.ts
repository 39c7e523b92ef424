/**
 * An account's login ladder: saved session → push login → new QR (the transport walks it, given the
 * session), one login slot at a time (LOGIN_CONCURRENCY); a failed login is retried with back-off, a
 * logout we did not ask for starts a new login, and a web account that WeChat refuses to log in stops
 * climbing until the admin starts it. The account's timeline says each step.
 */
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import type { LogoutReason } from '../transport/transport.js';
import { isTransportError } from '../transport/errors.js';
import type { AccountRecord } from '../store/index.js';
import { WEB_LOGIN_BLOCKED, WebLoginGuard } from '../bot/web-login-guard.js';
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
import { classifyNetworkError } from '../util/network-problem.js';
import { failureText, logFailure } from '../logger.js';
import { logoutMeaning, type AccountTimeline } from './account-timeline.js';
import { LoginSlots } from './login-slots.js';
import { DEFAULT_LOGIN_CONCURRENCY, DEFAULT_LOGIN_RETRY_MAX_MS, DEFAULT_RELOGIN_DELAY_MS, type AccountManagerDeps } from './account-manager-deps.js';
import { freshTransport, type ManagedAccount } from './managed-account.js';
import { loadSession, saveSession } from './stored-session.js';

export interface LoginLadderDeps {
  deps: AccountManagerDeps;
  clock: Clock;
  /** The manager's log. */
  log: Logger;
  timelines: AccountTimeline;
  /** The account's row as the login read or wrote it (the name it logged in as). */
  keep(rec: AccountRecord): void;
}

export class LoginLadder {
  private readonly deps: AccountManagerDeps;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly timelines: AccountTimeline;
  private readonly keep: (rec: AccountRecord) => void;
  private readonly webLogins: WebLoginGuard;
  private readonly retryPolicy: BackoffPolicy;
  private readonly loginSlots: LoginSlots;

  constructor(parts: LoginLadderDeps) {
    const { deps, clock } = parts;
    this.deps = deps;
    this.clock = clock;
    this.log = parts.log;
    this.timelines = parts.timelines;
    this.keep = parts.keep;
    this.webLogins = new WebLoginGuard(() => this.clock.now());
    this.loginSlots = new LoginSlots(deps.loginConcurrency ?? DEFAULT_LOGIN_CONCURRENCY, deps.startJitterMs ?? 250, this.clock);
    const base = deps.reloginDelayMs ?? DEFAULT_RELOGIN_DELAY_MS;
    // ±20 %: accounts that failed together (the network went away) do not come back in lock-step.
    this.retryPolicy = { baseMs: base, maxMs: Math.max(base, deps.loginRetryMaxMs ?? DEFAULT_LOGIN_RETRY_MAX_MS), jitter: 0.2 };
  }

  /** One login attempt (`fresh`: with a new transport, after a logout or a failed attempt). */
  async login(rt: ManagedAccount, fresh: boolean): Promise<void> {
    const { bot } = rt;
    const id = bot.id;
    const signal = rt.abort!.signal;
    if (fresh) bot.useTransport(freshTransport(this.deps, id, rt.kind));
    bot.setLoginRetry(undefined);
    bot.markLoginStarted();
    bot.setState('starting');
    let started = false;
    let leftStarting = (): void => {};
    delete rt.storedSession;
    rt.loginSaving = false;
    try {
      // Its turn among the logins under way (LOGIN_CONCURRENCY), kept until it leaves "starting".
      const freeSlot = await this.loginSlots.take(signal);
      const off = bot.on('state', ({ state }) => {
        if (state !== 'starting') leftStarting();
      });
      leftStarting = () => (off(), freeSlot());
      const session = await loadSession(rt, fresh, this.log);
      if (signal.aborted) return;
      await bot.transport.start({
        ...(session && { session }),
        pushLogin: true,
        signal,
        ...(this.deps.maxQrCodes !== undefined && { maxQrCodes: this.deps.maxQrCodes }),
      });
      if (signal.aborted) return;
      started = true;
      rt.failures = 0;
      bot.setLoginRetry(undefined);
      if (bot.info().state !== 'online') bot.setState('online');
      if (rt.kind === 'web') this.webLogins.online(id);
      // A halt from here on does not wait for this login: what is left are these saves, which wait their turn
      // behind the account's store calls (a node just given hundreds of accounts has many there), and the halt
      // saves the session itself.
      rt.loginSaving = true;
      await saveSession(rt, this.log);
      await this.saveSelf(rt, signal);
    } catch (e) {
      if (signal.aborted) return;
      // The transport came up and a later step failed (a store write): stop it, or its loops would go on
      // polling beside the next attempt's transport, taking messages nobody stores.
      if (started) await bot.transport.stop().catch((err: unknown) => this.log.warn({ err, account: id }, 'transport stop failed'));
      const message = failureText(e);
      if (isTransportError(e) && (e.kind === 'logged-out' || e.kind === 'invalid')) bot.setState('needs-login', message);
      else bot.setState('failed', message);
      this.retryLater(rt, e, message);
    } finally {
      leftStarting();
    }
  }

  /** Timeline entries for the states worth remembering (each once, not at every QR refresh). */
  noteState(rt: ManagedAccount, state: string): void {
    if (state !== 'online' && state !== 'waiting-scan') {
      if (state !== 'waiting-confirm') rt.lastTimelineState = state;
      return;
    }
    if (rt.lastTimelineState === state) return;
    rt.lastTimelineState = state;
    const self = rt.bot.self?.name;
    this.timelines.record(rt.bot.id, state === 'online' ? { kind: 'online', ...(self && { self }) } : { kind: 'waiting-scan' });
  }

  onLogout(rt: ManagedAccount, reason: LogoutReason, notice: { code?: number; message?: string } = {}): void {
    const id = rt.bot.id;
    // A failed login is recorded (and retried) where it is caught, with its back-off.
    if (reason !== 'login-failed') {
      const meaning = logoutMeaning(notice.code);
      this.timelines.record(id, {
        kind: 'logout',
        reason,
        ...(notice.code !== undefined && { code: notice.code }),
        ...(meaning && { meaning }),
        ...(notice.message && { message: notice.message }),
      });
    }
    // The phone ended the session (or iLink said the token is dead): the snapshot is worthless.
    // Other reasons may still allow push login.
    if (reason === 'phone-logout' || reason === 'token-expired') {
      delete rt.storedSession;
      rt.store.sessions.clear(id).catch((e: unknown) => this.log.warn({ err: e, account: id }, 'could not forget the session'));
    }
    const blocked = rt.kind === 'web' && rt.running && reason !== 'requested' ? this.webLogins.verdict(id, { reason, ...notice }) : undefined;
    if (blocked) return this.stopLadder(rt, blocked);
    // A login that failed (or found its saved session expired) retries from its catch, with back-off.
    if (reason === 'login-failed' || reason === 'expired') return;
    if (!rt.running || reason === 'requested' || this.deps.autoRelogin === false) return;
    const delay = this.deps.reloginDelayMs ?? DEFAULT_RELOGIN_DELAY_MS;
    this.timelines.record(id, { kind: 'relogin', delayMs: delay });
    this.loginAfter(rt, delay);
  }

  /**
   * After a failed login: wait (5 s, 10 s, 20 s … up to LOGIN_RETRY_MAX_SECONDS, ±20 %) and try
   * again, saying in one log line and in the timeline what failed and when the next attempt is.
   */
  private retryLater(rt: ManagedAccount, err: unknown, message: string): void {
    const id = rt.bot.id;
    rt.failures++;
    const problem = classifyNetworkError(err, { proxySet: this.deps.proxySet ?? false });
    const retry = rt.running && !rt.ladderStopped && this.deps.autoRelogin !== false;
    const delay = retry ? backoffDelay(rt.failures, this.retryPolicy, () => this.clock.random()) : undefined;
    const what = problem ? `${problem.kind}${problem.host ? ` ${problem.host}` : ''}` : 'refused';
    logFailure(
      this.log,
      err,
      { account: id, attempt: rt.failures, problem: problem?.kind, ...(delay !== undefined && { retryInMs: delay }) },
      delay !== undefined ? `login failed (${what}); next attempt in ${Math.round(delay / 1000)} s` : `login failed (${what})`,
    );
    this.timelines.record(id, {
      kind: 'login-failed',
      attempt: rt.failures,
      message,
      ...(problem && { problem: problem.kind }),
      ...(problem?.host && { host: problem.host }),
      ...(delay !== undefined && { retryInMs: delay }),
    });
    if (delay === undefined) return;
    rt.bot.setLoginRetry({ at: this.clock.now() + delay, attempt: rt.failures, ...(problem && { problem }) });
    this.loginAfter(rt, delay);
  }

  /** Start a fresh login after `delay`, unless the account stops first; Retry (`rt.wake`) cuts the wait short. */
  private loginAfter(rt: ManagedAccount, delay: number): void {
    const signal = rt.abort?.signal;
    const wake = new AbortController();
    rt.wake?.abort();
    rt.wake = wake;
    const go = (): void => {
      if (rt.wake === wake) delete rt.wake;
      if (rt.running && !signal?.aborted) rt.login = this.login(rt, true);
    };
    const waitSignal = signal ? AbortSignal.any([signal, wake.signal]) : wake.signal;
    this.clock.sleep(delay, waitSignal).then(go, () => {
      if (wake.signal.aborted && rt.wake === wake) go();
    });
  }

  /** WeChat is refusing this account's web logins: no more attempts; say why and what helps. */
  private stopLadder(rt: ManagedAccount, explanation: string): void {
    this.log.warn({ account: rt.bot.id }, explanation);
    rt.ladderStopped = true;
    this.timelines.record(rt.bot.id, { kind: 'ladder-stopped', message: explanation });
    // After the failed login's own state change (a refused login throws after its logout event).
    void (rt.login ?? Promise.resolve()).then(() => {
      rt.bot.setState('failed', explanation);
      rt.bot.raiseLogout({ reason: WEB_LOGIN_BLOCKED, message: explanation });
    });
  }

  /**
   * The name the account logged in as, on its row: the runtime's own write there (in its store's
   * transaction, fenced in a cluster), made only when the stored row says otherwise. A node that takes
   * the account over reads the row (a read goes straight to the store) rather than write the same name.
   */
  private async saveSelf(rt: ManagedAccount, signal: AbortSignal): Promise<void> {
    const id = rt.bot.id;
    const self = rt.bot.self;
    if (!self || signal.aborted) return;
    const stored = await rt.store.accounts.get(id);
    if (signal.aborted) return;
    if (stored && stored.selfName === self.name && (!self.stableId || stored.selfStableId === self.stableId)) {
      this.keep(stored);
      return;
    }
    const patch = { selfName: self.name, ...(self.stableId && { selfStableId: self.stableId }) };
    const rec = await rt.store.transaction((tx) => tx.accounts.update(id, patch));
    if (rec) this.keep(rec);
  }
}
