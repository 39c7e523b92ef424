/**
 * Many accounts in one process, each isolated: its own Transport (cookie jar, keys, loops), its own
 * outbound queue and its own plugin instances. Drives the login ladder (saved session → push login
 * → new QR), re-login after a logout, and a clean stop on SIGTERM.
 */
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../util/clock.js';
import type { LogoutReason, Transport } from '../transport/transport.js';
import type { TransportKind } from '../transport/capabilities.js';
import { isTransportError } from '../transport/errors.js';
import { UnreadableSession, forgetAccountLine, inAccountLine, type AccountRecord, type Store } from '../store/index.js';
import { PluginHost } from '../pipeline/plugin-host.js';
import type { ConfigDefaults } from '../pipeline/config-defaults.js';
import type { OutboundPolicy } from '../util/outbound-guard.js';
import type { PluginRegistry } from '../pipeline/plugin-registry.js';
import { Bot } from '../bot/bot.js';
import { AccountRuntime } from './account-runtime.js';
import { SAFE_PACING, type PacingProfile } from '../bot/pacing.js';
import type { RetryPolicy } from '../bot/outbound-queue.js';
import type { BotEvent, BotInfo, EventWriter } from '../bot/types.js';
import { WEB_LOGIN_BLOCKED, WebLoginGuard } from '../bot/web-login-guard.js';
import { throttle } from '../bot/throttle.js';
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
import { classifyNetworkError } from '../util/network-problem.js';
import { failureText, logFailure } from '../logger.js';
import { AccountTimeline, logoutMeaning, type TimelineEntry } from './account-timeline.js';
import type { AccountCluster } from './account-cluster.js';
import { LoginSlots } from './login-slots.js';
import { typeVerifyCode, type VerifyAnswer } from './verify-answer.js';

export type ManagerStore = Pick<
  Store,
  | 'transaction'
  | 'onGroupOpen'
  | 'issued'
  | 'box'
  | 'accounts'
  | 'sessions'
  | 'kv'
  | 'messages'
  | 'directory'
  | 'outbound'
  | 'stats'
  | 'traces'
  | 'pluginSettings'
  | 'pluginErrors'
  | 'timeline'
  | 'outOfLine'
>;

export interface AccountManagerDeps {
  store: ManagerStore;
  log: Logger;
  clock?: Clock;
  /** A fresh Transport of the account's kind (called for every login attempt). */
  createTransport(accountId: string, kind: TransportKind): Transport;
  /** Load the code of a transport kind before the first account of that kind is made (`createTransport` is synchronous; iLink's code is imported on first use). */
  loadTransport?(kind: TransportKind): Promise<void>;
  pluginRegistry: PluginRegistry;
  /** SEND_PACING: 'safe' (default), 'off', or a custom profile. */
  sendPacing?: 'safe' | 'off' | PacingProfile;
  /** BOT_PLUGINS: plugins on for an account with no saved settings. */
  botPlugins?: string[];
  /** Host values that fill blank plugin settings, per plugin (e.g. AI_* for `ai`). */
  pluginConfigDefaults?: Record<string, ConfigDefaults>;
  /** Who plugins' `api.http` may reach on private addresses (default: nobody). */
  pluginHttpPolicy?: OutboundPolicy;
  /** DATA_DIR, for plugins (`api.dataDir`). */
  dataDir?: string;
  /** Synchronous writers called inside the transaction that stores each event (webhook outbox). */
  eventWriters?: EventWriter[];
  pluginTimeoutMs?: number;
  retry?: { rateLimited?: RetryPolicy; network?: RetryPolicy };
  /** Start a new login (QR) after a logout that we did not ask for. Default true. */
  autoRelogin?: boolean;
  /** Pause before that new login, and before the first retry of a failed login. Default 5 s. */
  reloginDelayMs?: number;
  /** LOGIN_RETRY_MAX_SECONDS: failed logins are retried after 5 s, 10 s, 20 s … up to this (±20 %). Default 5 min. */
  loginRetryMaxMs?: number;
  /** HTTPS_PROXY/HTTP_PROXY is set: network failures are explained as a proxy problem. */
  proxySet?: boolean;
  /** Give up waiting for a scan after this many QR codes (state needs-login). */
  maxQrCodes?: number;
  /** CHAT_CONCURRENCY: chats of one account handled at the same time (each chat in order). Default 8. */
  chatConcurrency?: number;
  /** OUTBOX_HOLD_HOURS: a message waiting for the user fails after this long (default 48 h). */
  maxHoldMs?: number;
  /**
   * LOGIN_CONCURRENCY: logins between "starting" and their next state at the same time (restore, push
   * login or first QR), however they started: `startAll`, a cluster taking accounts, retries. Default 10.
   */
  loginConcurrency?: number;
  /** A login slot starts its next login a random 0…this many ms after its previous start at the earliest (src/accounts/login-slots.ts). Default 250. */
  startJitterMs?: number;
  /** REDIS_URL: the cluster places accounts on nodes (`runHere`/`release`) and fences their writes and sends. */
  cluster?: AccountCluster;
  /** How long an account's stop waits for its sends in flight to be answered before it stops the transport under them. Default 2 s. */
  sendStopGraceMs?: number;
}

export const DEFAULT_CHAT_CONCURRENCY = 8;
export const DEFAULT_RELOGIN_DELAY_MS = 5000;
export const DEFAULT_LOGIN_RETRY_MAX_MS = 300_000;
export const DEFAULT_LOGIN_CONCURRENCY = 10;
/**
 * A send's answer takes milliseconds; a WeChat that holds one longer than this does not hold the
 * account's stop (a handover's lease) longer: its call is cut, and the next run settles it from the
 * echo (web) or sends it again (iLink).
 */
export const DEFAULT_SEND_STOP_GRACE_MS = 2_000;

/** What the manager keeps per account: its runtime and where its login ladder stands. */
interface Runtime {
  kind: TransportKind;
  /** The store as this account's runtime uses it (fenced in a cluster). */
  store: ManagerStore;
  runtime: AccountRuntime;
  bot: Bot;
  host: PluginHost;
  pluginsReady: Promise<void>;
  running: boolean;
  /** `run` under way (plugins loading, queue starting): a halt meanwhile waits for it, then stops what it started. */
  launching?: Promise<void>;
  abort?: AbortController;
  login?: Promise<void>;
  /** Failed login attempts in a row (reset when the account comes online). */
  failures: number;
  /** Aborting it ends the wait for the next attempt at once (Retry). */
  wake?: AbortController;
  /** WeChat refuses this account's web logins: no automatic attempts until the admin starts it. */
  ladderStopped?: boolean;
  /** The last state written to the timeline (a QR refresh is not news). */
  lastTimelineState?: string;
  /** Cluster: the node whose stored directory this (not running) account's bot holds. */
  directoryOf?: string;
  /**
   * The session as stored (JSON), as far as this node knows: loaded at the start of a login, or
   * saved since. A save of the same session again is skipped: a handover saved it on its way out,
   * and a node taking the account over loaded it, so neither writes it once more (each fenced write
   * is a transaction in line behind the node's other store calls).
   */
  storedSession?: string;
}

export class AccountManager {
  private runtimes = new Map<string, Runtime>();
  /** The account rows, read once (`load`) and kept current by this manager, the only writer. */
  private records = new Map<string, AccountRecord>();
  /**
   * Accounts removed or forgotten here. Ids are never reused, so a row read before its removal
   * (a coordinator round's `refresh`, a `reread`, a save that re-reads its row) is dropped instead
   * of bringing the account back: on the node that removed it nothing else would ever drop it.
   */
  private readonly removed = new Set<string>();
  private loading: Promise<void> | undefined;
  /** `startAll`'s accounts: resolved when each has left "starting" or failed to launch. */
  private restoring: Promise<void> = Promise.resolve();
  /** Cluster: how many times each account was released here, so that a `runHere` overtaken by a release does not run it. */
  private readonly releases = new Map<string, number>();
  /** Set by `stopAll`: accounts not yet launched by `startAll` stay stopped. */
  private stopping = false;
  private listeners = new Set<(e: BotEvent) => void>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly pacing: PacingProfile | null;
  private readonly webLogins: WebLoginGuard;
  private readonly timelines: AccountTimeline;
  private readonly retryPolicy: BackoffPolicy;
  private readonly loginSlots: LoginSlots;

  constructor(private readonly deps: AccountManagerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log.child({ ns: 'bot' });
    const p = deps.sendPacing ?? 'safe';
    this.pacing = p === 'off' ? null : p === 'safe' ? SAFE_PACING : p;
    this.webLogins = new WebLoginGuard(() => this.clock.now());
    this.timelines = new AccountTimeline(
      // What the account's runtime records goes through its store (fenced in a cluster); the admin's entries about an account run elsewhere, straight.
      (account) => {
        const rt = this.runtimes.get(account);
        return rt?.running ? rt.store.timeline : deps.store.timeline;
      },
      () => this.clock.now(),
      (e) => this.log.warn({ err: e }, 'could not record a timeline entry'),
    );
    this.loginSlots = new LoginSlots(deps.loginConcurrency ?? DEFAULT_LOGIN_CONCURRENCY, deps.startJitterMs ?? 250, this.clock);
    const base = deps.reloginDelayMs ?? DEFAULT_RELOGIN_DELAY_MS;
    // ±20 %: accounts that failed together (the network went away) do not come back in lock-step.
    this.retryPolicy = { baseMs: base, maxMs: Math.max(base, deps.loginRetryMaxMs ?? DEFAULT_LOGIN_RETRY_MAX_MS), jitter: 0.2 };
  }

  /** Read the accounts from the store (once; every other method that needs them awaits it). */
  load(): Promise<void> {
    this.loading ??= this.refresh();
    return this.loading;
  }

  /** Read the account rows again: rows another writer added since `load` become known (not started). */
  async refresh(): Promise<void> {
    const rows = await this.deps.store.accounts.list();
    await this.loadTransports(rows.map((a) => a.transport));
    for (const a of rows) if (!this.records.has(a.id)) this.keep(a);
  }

  /** Every account with its state (the accounts known since `load`). */
  list(): BotInfo[] {
    return [...this.records.keys()].map((id) => this.ensure(id)!.bot.info());
  }

  get(id: string): Bot | undefined {
    return this.ensure(id)?.bot;
  }

  /** The account's runtime (bot, plugins, scheduling), or undefined. */
  runtime(id: string): AccountRuntime | undefined {
    return this.ensure(id)?.runtime;
  }

  /** The account's plugins (for the panel and the API), or undefined. */
  plugins(id: string): PluginHost | undefined {
    return this.ensure(id)?.host;
  }

  /** The account's timeline, newest first (at most `limit`, default 50). */
  async timeline(id: string, limit?: number): Promise<TimelineEntry[]> {
    await this.load();
    return this.timelines.list(id, limit);
  }

  /** Every new timeline entry of every account (the panel's live view). Returns the unsubscribe function. */
  onTimeline(listener: (e: TimelineEntry) => void): () => void {
    return this.timelines.onEntry(listener);
  }

  /**
   * Retry now: a login waiting out its back-off starts at once; a stopped or failed account starts.
   * Returns false when a login attempt is already under way (nothing to do).
   */
  async retryNow(id: string): Promise<boolean> {
    await this.load();
    const rt = this.ensure(id);
    if (!rt) throw new Error(`No account ${id}`);
    // Cluster: the login ladder is the running node's.
    if (this.forwarded(rt, 'retry')) return true;
    if (rt.wake) {
      this.timelines.record(id, { kind: 'retry-now' });
      rt.wake.abort(new Error('retry now'));
      return true;
    }
    if (rt.running && !rt.ladderStopped) return false;
    if (rt.running) await this.halt(rt);
    this.timelines.record(id, { kind: 'retry-now' });
    await this.start(id);
    return true;
  }

  /** Resolve when the account's plugins are set up (tests, API handlers that configure at once). */
  async ready(id: string): Promise<Bot> {
    await this.load();
    const rt = this.ensure(id);
    if (!rt) throw new Error(`No account ${id}`);
    await rt.pluginsReady;
    return rt.bot;
  }

  /**
   * Create an account and start it (it shows a QR unless a session can be restored).
   *
   * @example
   *   const bot = await manager.add('support');
   *   bot.on('qr', (qr) => console.log(qr.text));
   */
  async add(name?: string, options: { transport?: TransportKind } = {}): Promise<Bot> {
    await this.load();
    await this.loadTransports([options.transport ?? 'web']);
    const rec = await this.deps.store.accounts.create({ name: name?.trim() || `account ${this.records.size + 1}`, transport: options.transport ?? 'web' });
    this.records.set(rec.id, rec);
    if (this.deps.cluster) {
      this.timelines.record(rec.id, { kind: 'started' });
      this.deps.cluster.place(rec.id);
    } else await this.start(rec.id);
    return this.ensure(rec.id)!.bot;
  }

  /**
   * Stop, log out and delete an account with everything stored for it. In a cluster, an account
   * another node runs is removed by that node (only it holds the session, and its runtime must stop
   * before the rows go); the node that removed it releases its lease at once and every node forgets it.
   */
  async remove(id: string): Promise<void> {
    await this.load();
    const rt = this.ensure(id);
    if (!rt) return;
    const cluster = this.deps.cluster;
    if (cluster && this.runsElsewhere(rt)) {
      await cluster.ask(id, { act: 'remove' });
      return this.forget(id);
    }
    await this.logout(id).catch((e: unknown) => this.log.warn({ err: e, account: id }, 'logout during remove failed'));
    await rt.host.close();
    rt.runtime.close();
    this.runtimes.delete(id);
    this.records.delete(id);
    this.removed.add(id);
    await this.deps.store.accounts.purge(id);
    // Its lease is released now (the round finds it gone), and the other nodes hear it changed: they forget it.
    cluster?.place(id);
  }

  /**
   * iLink: the digits the phone shows after a scan, typed in the panel or the API. Resolves with
   * WeChat's answer (`pending` when none came within a few seconds). In a cluster the node running the
   * account types them in and answers.
   */
  async submitVerifyCode(id: string, code: string): Promise<VerifyAnswer> {
    await this.load();
    const rt = this.ensure(id);
    if (!rt) throw new Error(`No account ${id}`);
    const cluster = this.deps.cluster;
    if (cluster && this.runsElsewhere(rt)) return cluster.ask(id, { act: 'verify', code });
    return typeVerifyCode(rt.bot, code, this.clock);
  }

  /** Start (or resume) an account: mark it enabled and begin the login ladder. Resolves once launched. */
  async start(id: string): Promise<void> {
    await this.load();
    const rt = this.ensure(id);
    if (!rt) throw new Error(`No account ${id}`);
    await this.update(id, { enabled: true });
    rt.bot.setEnabled(true);
    // Start on an account that is already running: a login waiting out its back-off (or a stopped ladder) goes now.
    if (rt.running) {
      await this.retryNow(id);
      return;
    }
    this.timelines.record(id, { kind: 'started' });
    // In a cluster the account runs on whichever node takes its lease (maybe this one, at once).
    if (this.deps.cluster) this.deps.cluster.place(id);
    else await this.run(rt);
  }

  /**
   * Cluster: this node took the account's lease; run it (restore its session, start its queue and
   * loops). Accounts added by another node since `load` are read first.
   */
  async runHere(id: string): Promise<void> {
    const releases = this.releases.get(id);
    await this.load();
    if (!this.records.has(id)) await this.refresh();
    const rt = this.ensure(id);
    if (!rt) throw new Error(`No account ${id}`);
    // Released while its row was being read (handed over already): running it now would run it with no lease.
    if (this.releases.get(id) !== releases) return;
    rt.bot.setEnabled(true);
    await this.run(rt);
  }

  /** Cluster: stop running the account here (it moves to another node), keeping it enabled and its session saved. */
  async release(id: string): Promise<void> {
    this.releases.set(id, (this.releases.get(id) ?? 0) + 1);
    const rt = this.runtimes.get(id);
    if (rt) await this.halt(rt);
  }

  /** Whether this node runs the account now. */
  runsHere(id: string): boolean {
    return this.runtimes.get(id)?.running === true;
  }

  /**
   * Cluster: another node published the account's state (or stopped running it). An account this
   * node runs keeps its own state; the others show what their node says, and listeners (the panel's
   * live views) hear of it as an `account.state` event.
   */
  placementChanged(id: string): void {
    if (!this.deps.cluster) return;
    // An account another node added since `load`: read its row first.
    if (!this.records.has(id))
      return void this.reread(id).then(
        () => this.records.has(id) && this.placementChanged(id),
        (e: unknown) => this.log.warn({ err: e, account: id }, 'could not read an account another node runs'),
      );
    const rt = this.ensure(id)!;
    if (rt.running) return;
    rt.bot.place(this.deps.cluster.elsewhere(id));
    const { state, detail, node } = rt.bot.info();
    // The panel here resolves recipients (and the API send targets) by name: the directory the running node stored.
    if (state === 'online' && node && (rt.directoryOf !== node || rt.bot.directory.size.contacts === 0)) {
      rt.directoryOf = node;
      void this.loadStoredDirectory(rt);
    }
    this.announce({
      type: 'account.state',
      account: id,
      at: this.clock.now(),
      data: { state, ...(detail !== undefined && { detail }), ...(node && { node }) },
    });
  }

  /** Cluster: the account's plugin settings changed on another node; its plugins read them again. */
  async reloadPlugins(id: string): Promise<void> {
    const rt = this.runtimes.get(id);
    if (!rt) return;
    await rt.pluginsReady;
    await rt.host.reload();
  }

  /** Cluster: another node changed the account's row (started, stopped, renamed): read it again; a new account becomes known. */
  async reread(id: string): Promise<void> {
    await this.load();
    const rec = await this.deps.store.accounts.get(id);
    // Removed on another node: gone here too.
    if (!rec) return this.forget(id);
    this.keep(rec);
    this.runtimes.get(id)?.bot.setEnabled(rec.enabled);
  }

  /** Stop an account and keep it stopped across restarts (enabled = false). */
  async stop(id: string): Promise<void> {
    await this.load();
    const rt = this.ensure(id);
    if (!rt) throw new Error(`No account ${id}`);
    await this.update(id, { enabled: false });
    rt.bot.setEnabled(false);
    if (rt.running) this.timelines.record(id, { kind: 'stopped' });
    await this.halt(rt);
    this.deps.cluster?.place(id);
  }

  /** Log out on the server, forget the saved session and stop. */
  async logout(id: string): Promise<void> {
    await this.load();
    const rt = this.ensure(id);
    if (!rt) throw new Error(`No account ${id}`);
    // Cluster: only the node running the account holds its session (and may write about it).
    if (this.forwarded(rt, 'logout')) return;
    rt.running = false;
    rt.abort?.abort(new Error('logout'));
    try {
      await rt.bot.transport.logout();
    } catch (e) {
      this.log.warn({ err: e, account: id }, 'server logout failed; forgetting the session anyway');
    }
    delete rt.storedSession;
    await rt.store.sessions.clear(id);
    await rt.bot.queue.stop();
    await rt.runtime.drain();
    rt.bot.setState('logged-out', 'requested');
  }

  /**
   * Start every enabled account. With `createIfNone`, a first account is created when there is
   * none (what `weiroto start` does, so its QR is printed).
   */
  async startAll(options: { createIfNone?: boolean; transport?: TransportKind } = {}): Promise<void> {
    await this.load();
    const accounts = [...this.records.values()];
    if (accounts.length === 0 && options.createIfNone) {
      await this.add('account 1', { transport: options.transport ?? 'web' });
      return;
    }
    this.stopping = false;
    const enabled = accounts.filter((a) => a.enabled).map((a) => this.ensure(a.id)!);
    // A restart of many accounts must not hit WeChat (or our own store) all at once: the login slots
    // let LOGIN_CONCURRENCY accounts at a time between "starting" and their next state (online,
    // waiting for a scan, failed), each slot's next start a little jitter after its previous one.
    // Every account is launched now and waits for its slot in "starting"; the first slots' worth is
    // launched before this returns, as a single account always was.
    const limit = Math.max(1, this.deps.loginConcurrency ?? DEFAULT_LOGIN_CONCURRENCY);
    const launches = enabled.map((rt) =>
      this.run(rt).then(async () => {
        // stopAll may have halted every running account while this one was being launched.
        if (this.stopping) await this.halt(rt);
      }),
    );
    this.restoring = Promise.all(
      launches.map((launched, i) =>
        launched.then(
          () => this.loginPhase(enabled[i]!),
          (e: unknown) => this.log.warn({ err: e, account: enabled[i]!.bot.id }, 'could not start the account'),
        ),
      ),
    ).then(() => {});
    await Promise.all(launches.slice(0, limit));
  }

  /** Resolves when every account `startAll` launched has left "starting" (online, waiting for a scan, failed…) or failed to launch. */
  restored(): Promise<void> {
    return this.restoring;
  }

  /** Until the account leaves "starting" (online, waiting for a scan, failed…), or its login attempt ends. */
  private loginPhase(rt: Runtime): Promise<void> {
    return new Promise((done) => {
      let off = (): void => {};
      const finish = (): void => {
        off();
        done();
      };
      off = rt.bot.on('state', ({ state }) => {
        if (state !== 'starting') finish();
      });
      if (!rt.running || rt.bot.info().state !== 'starting') finish();
      void (rt.login ?? Promise.resolve()).finally(finish);
    });
  }

  /** SIGTERM: stop the loops, finish in-flight sends, persist sessions. Queued sends stay in SQLite. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.runtimes.values()].map((rt) => this.halt(rt)));
    await Promise.all([...this.runtimes.values()].map((rt) => rt.host.close()));
    await this.timelines.flush();
  }

  /** Every event of every account, after it was committed. Returns the unsubscribe function. */
  onEvent(listener: (e: BotEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  // ---- internals ----

  /** Cluster: another node runs the account (what only the running node may do is asked of it). */
  private runsElsewhere(rt: Runtime): boolean {
    return !rt.running && this.deps.cluster?.elsewhere(rt.bot.id) !== undefined;
  }

  /** Cluster: an account another node runs has `act` done there (asked through Redis); true when so. */
  private forwarded(rt: Runtime, act: 'logout' | 'retry'): boolean {
    const cluster = this.deps.cluster;
    if (!cluster || !this.runsElsewhere(rt)) return false;
    cluster.forward(rt.bot.id, act).catch((e: unknown) => this.log.warn({ err: e, account: rt.bot.id, act }, 'could not ask the node running the account'));
    return true;
  }

  /**
   * Cluster: the account was removed (its row is gone): drop it here. Should it run here (taken just
   * before the removal), it stops first; the round that follows the removal's news releases its lease.
   */
  private async forget(id: string): Promise<void> {
    const rt = this.runtimes.get(id);
    this.records.delete(id);
    this.removed.add(id);
    if (!rt) return;
    this.runtimes.delete(id);
    await this.halt(rt);
    await rt.host.close();
    rt.runtime.close();
    forgetAccountLine(this.deps.store, id);
  }

  /** An account run elsewhere: its contacts and rooms as its node stored them. */
  private async loadStoredDirectory(rt: Runtime): Promise<void> {
    try {
      const [contacts, rooms] = await Promise.all([this.deps.store.directory.contacts(rt.bot.id), this.deps.store.directory.rooms(rt.bot.id)]);
      if (!rt.running) rt.bot.directory.load(contacts, rooms);
    } catch (e) {
      this.log.warn({ err: e, account: rt.bot.id }, 'could not read the directory of an account run elsewhere');
    }
  }

  /** Tell every `onEvent` listener; one that throws is logged and the others still hear. */
  private announce(e: BotEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.error({ err, account: e.account }, 'event listener threw');
      }
    }
  }

  private async update(id: string, patch: Parameters<Store['accounts']['update']>[1]): Promise<void> {
    const rec = await this.deps.store.accounts.update(id, patch);
    if (rec) this.keep(rec);
  }

  /** Remember a row just read or written, unless its account was removed meanwhile. */
  private keep(rec: AccountRecord): void {
    if (!this.removed.has(rec.id)) this.records.set(rec.id, rec);
  }

  private async loadTransports(kinds: TransportKind[]): Promise<void> {
    const load = this.deps.loadTransport;
    if (load) await Promise.all([...new Set(kinds)].map((k) => load(k)));
  }

  private ensure(id: string): Runtime | undefined {
    const existing = this.runtimes.get(id);
    if (existing) return existing;
    const rec = this.records.get(id);
    if (!rec) return undefined;
    // Its calls in a line of its own (on PostgreSQL): its handover's session save waits behind its own writes only.
    const own = inAccountLine(this.deps.store, id);
    const s = this.deps.cluster?.store(id, own) ?? own;
    const router = this.deps.cluster?.sendRouter?.(id);
    const log = this.log.child({ account: id });
    const bot = new Bot({
      id,
      chatConcurrency: this.deps.chatConcurrency ?? DEFAULT_CHAT_CONCURRENCY,
      name: rec.name,
      enabled: rec.enabled,
      transport: this.newTransport(id, rec.transport),
      repos: {
        transaction: (fn, o) => s.transaction(fn, o),
        ...(s.onGroupOpen && { onGroupOpen: (listener: () => void) => s.onGroupOpen!(listener) }),
        ...(s.issued && { issued: s.issued }),
        messages: s.messages,
        directory: s.directory,
        outbound: s.outbound,
        stats: s.stats,
      },
      clock: this.clock,
      log,
      pacing: this.pacing,
      ...(this.deps.maxHoldMs !== undefined && { maxHoldMs: this.deps.maxHoldMs }),
      ...(this.deps.retry && { retry: this.deps.retry }),
      ...(this.deps.eventWriters && { eventWriters: this.deps.eventWriters }),
      onSessionChanged: () => saveSoon(),
      ...(router && { router }),
      publish: (e) => this.announce(e),
    });
    const host = new PluginHost({
      account: id,
      bot,
      registry: this.deps.pluginRegistry,
      settings: s.pluginSettings,
      errors: s.pluginErrors,
      kv: s.kv,
      log,
      clock: this.clock,
      defaults: this.deps.botPlugins ?? [],
      ...(this.deps.pluginConfigDefaults && { configDefaults: this.deps.pluginConfigDefaults }),
      ...(this.deps.pluginHttpPolicy && { httpPolicy: this.deps.pluginHttpPolicy }),
      secrets: s.box,
      ...(this.deps.dataDir && { dataDir: this.deps.dataDir }),
      ...(this.deps.pluginTimeoutMs !== undefined && { timeoutMs: this.deps.pluginTimeoutMs }),
      onError: (e) => bot.reportError(e),
      ...(this.deps.cluster && { onSaved: () => this.deps.cluster!.settingsChanged(id) }),
    });
    const runtime = new AccountRuntime({
      bot,
      plugins: host,
      repos: { transaction: (fn) => s.transaction(fn), traces: s.traces, stats: s.stats },
      clock: this.clock,
      log,
      chatConcurrency: this.deps.chatConcurrency ?? DEFAULT_CHAT_CONCURRENCY,
    });
    const rt: Runtime = { kind: rec.transport, store: s, runtime, bot, host, pluginsReady: host.init(), running: false, failures: 0 };
    // iLink's cursor and context tokens change with every batch: saved at most once a second.
    const saveSoon = throttle(
      () => void this.saveSession(rt),
      1000,
      this.clock,
      () => rt.abort?.signal,
    );
    rt.pluginsReady.catch((e: unknown) => log.error({ err: e }, 'plugins failed to load'));
    bot.on('logout', (p) => this.onLogout(rt, p.reason, p));
    bot.on('state', ({ state }) => this.noteState(rt, state));
    bot.on('ready', () => void this.saveSession(rt));
    if (this.deps.cluster) bot.place(this.deps.cluster.elsewhere(id));
    this.runtimes.set(id, rt);
    return rt;
  }

  /** A fresh transport of the account's kind (fenced in a cluster). */
  private newTransport(id: string, kind: TransportKind): Transport {
    const transport = this.deps.createTransport(id, kind);
    return this.deps.cluster?.transport(id, transport) ?? transport;
  }

  /** Launch the account: its plugins, its queue, then its login ladder (not awaited). Two calls at once launch it once. */
  private run(rt: Runtime): Promise<void> {
    if (rt.running) return Promise.resolve();
    rt.launching ??= this.launch(rt).finally(() => delete rt.launching);
    return rt.launching;
  }

  private async launch(rt: Runtime): Promise<void> {
    await rt.pluginsReady;
    rt.running = true;
    if (this.deps.cluster) rt.bot.place({ node: this.deps.cluster.node });
    rt.ladderStopped = false;
    rt.failures = 0;
    rt.abort = new AbortController();
    // The queue loads what is queued for the account while the login runs: both wait on the store and
    // neither needs the other first (a reply queued meanwhile joins the loaded rows, after them in its chat).
    // The login first: its session's read goes ahead of the queue's in the store's line, and the
    // account is online (answering) sooner.
    rt.login = this.login(rt, false);
    const queueStarted = rt.bot.queue.start();
    try {
      await queueStarted;
    } catch (e) {
      await this.halt(rt);
      throw e;
    }
  }

  /** The ladder: saved session → push login → new QR (the transport walks it, given the session). */
  private async login(rt: Runtime, fresh: boolean): Promise<void> {
    const { bot } = rt;
    const id = bot.id;
    const signal = rt.abort!.signal;
    if (fresh) bot.useTransport(this.newTransport(id, rt.kind));
    bot.setLoginRetry(undefined);
    bot.markLoginStarted();
    bot.setState('starting');
    let started = false;
    let leftStarting = (): void => {};
    delete rt.storedSession;
    try {
      // Its turn among the logins under way (LOGIN_CONCURRENCY), kept until it leaves "starting".
      const freeSlot = await this.loginSlots.take(signal);
      const off = bot.on('state', ({ state }) => {
        if (state !== 'starting') leftStarting();
      });
      leftStarting = () => (off(), freeSlot());
      const session = await this.savedSession(rt, fresh);
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
      await this.saveSession(rt);
      await this.saveSelf(rt);
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

  /**
   * The account's saved session. One that cannot be opened (sealed with another SECRET_KEY, or damaged)
   * is forgotten, and the login starts afresh rather than refuse to start; any other error (the
   * database did not answer in time) fails this attempt, which is retried with the session kept.
   */
  private async savedSession(rt: Runtime, fresh: boolean): Promise<Record<string, unknown> | undefined> {
    try {
      // A run's first login reads the session out of the store's line: nothing here writes it then (the last
      // run's saves were awaited as it stopped), and a node taking the account over restores it sooner. A
      // later login may follow a logout whose clearing is still in line: it reads in line, after it.
      const session = await (fresh ? rt.store.sessions : rt.store.outOfLine.sessions).load(rt.bot.id);
      if (session) rt.storedSession = JSON.stringify(session);
      return session;
    } catch (e) {
      if (!(e instanceof UnreadableSession)) throw e;
      this.log.warn({ err: e, account: rt.bot.id }, 'saved session unreadable; a new login is needed');
      await rt.store.sessions.clear(rt.bot.id);
      return undefined;
    }
  }

  /**
   * After a failed login: wait (5 s, 10 s, 20 s … up to LOGIN_RETRY_MAX_SECONDS, ±20 %) and try
   * again, saying in one log line and in the timeline what failed and when the next attempt is.
   */
  private retryLater(rt: Runtime, err: unknown, message: string): void {
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
  private loginAfter(rt: Runtime, delay: number): void {
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

  /** Timeline entries for the states worth remembering (each once, not at every QR refresh). */
  private noteState(rt: Runtime, state: string): void {
    if (state !== 'online' && state !== 'waiting-scan') {
      if (state !== 'waiting-confirm') rt.lastTimelineState = state;
      return;
    }
    if (rt.lastTimelineState === state) return;
    rt.lastTimelineState = state;
    const self = rt.bot.self?.name;
    this.timelines.record(rt.bot.id, state === 'online' ? { kind: 'online', ...(self && { self }) } : { kind: 'waiting-scan' });
  }

  private onLogout(rt: Runtime, reason: LogoutReason, notice: { code?: number; message?: string } = {}): void {
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

  /** WeChat is refusing this account's web logins: no more attempts; say why and what helps. */
  private stopLadder(rt: Runtime, explanation: string): void {
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
  private async saveSelf(rt: Runtime): Promise<void> {
    const id = rt.bot.id;
    const self = rt.bot.self;
    if (!self) return;
    const stored = await rt.store.accounts.get(id);
    if (stored && stored.selfName === self.name && (!self.stableId || stored.selfStableId === self.stableId)) {
      this.keep(stored);
      return;
    }
    const patch = { selfName: self.name, ...(self.stableId && { selfStableId: self.stableId }) };
    const rec = await rt.store.transaction((tx) => tx.accounts.update(id, patch));
    if (rec) this.keep(rec);
  }

  private async saveSession(rt: Runtime): Promise<void> {
    try {
      const snap = rt.bot.snapshot();
      if (!snap) return;
      const json = JSON.stringify(snap);
      if (json === rt.storedSession) return;
      // Its cursor or sync key covers the messages received so far: saved only once they are stored.
      let stored = rt.bot.storedSoFar();
      if (typeof stored !== 'boolean') {
        stored = await stored;
        if (!rt.bot.snapshot()) return; // logged out meanwhile: its session is cleared, not saved again
      }
      if (!stored) {
        this.log.warn({ account: rt.bot.id }, 'session not saved: received messages could not be stored; a restart fetches them again');
        return;
      }
      await rt.store.sessions.save(rt.bot.id, snap);
      rt.storedSession = json;
    } catch (e) {
      this.log.warn({ err: e, account: rt.bot.id }, 'could not save the session');
    }
  }

  /** Stop loops and sends, keep the session for the next start. */
  private async halt(rt: Runtime): Promise<void> {
    // A halt while the account is being launched (a cluster hands it over while its plugins load, behind
    // a busy store) stops it once launched: returning at once would leave it running with no lease.
    await rt.launching?.catch(() => {});
    if (!rt.running) return;
    rt.running = false;
    rt.wake?.abort();
    delete rt.wake;
    rt.bot.setLoginRetry(undefined);
    // The session as it stands, saved while the loops stop rather than before: the save waits its turn
    // in the store behind the account's other writes, and a handover's lease waits for the stop.
    const early = this.saveSession(rt);
    // No new send; those in flight end on a running transport. Stopping it aborts their calls (iLink) or
    // closes their sockets (web): WeChat may have such a send and the row would not say so, and the next
    // holder of the account would send it again.
    const queueStopped = rt.bot.queue.stop();
    await rt.bot.queue.callsEnded(this.deps.sendStopGraceMs ?? DEFAULT_SEND_STOP_GRACE_MS);
    rt.abort?.abort(new Error('stopped'));
    await queueStopped;
    await rt.runtime.drain();
    try {
      await rt.bot.transport.stop();
    } catch (e) {
      this.log.warn({ err: e, account: rt.bot.id }, 'transport stop failed');
    }
    // A poll answered while stopping still hands its messages over: they are stored (and answered into
    // the queue) before the session with its cursor is saved. In a cluster the lease is released only
    // after this, so nothing received here is left to a node that no longer holds the account.
    await rt.runtime.drain();
    // After the early save, so the newer session is the one stored (skipped when nothing changed since).
    await early;
    await this.saveSession(rt);
    await rt.login?.catch(() => {});
    // In a cluster the account may run on another node already: show what that node says.
    if (this.deps.cluster) rt.bot.place(this.deps.cluster.elsewhere(rt.bot.id));
    rt.bot.setState('stopped');
  }
}
