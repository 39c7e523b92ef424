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
import type { AccountRecord, Store } from '../store/index.js';
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

export type ManagerStore = Pick<
  Store,
  'transaction' | 'box' | 'accounts' | 'sessions' | 'kv' | 'messages' | 'directory' | 'outbound' | 'stats' | 'traces' | 'pluginSettings' | 'pluginErrors'
>;

export interface AccountManagerDeps {
  store: ManagerStore;
  log: Logger;
  clock?: Clock;
  /** A fresh Transport of the account's kind (called for every login attempt). */
  createTransport(accountId: string, kind: TransportKind): Transport;
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
  /** Pause before that new login. Default 5 s. */
  reloginDelayMs?: number;
  /** Give up waiting for a scan after this many QR codes (state needs-login). */
  maxQrCodes?: number;
  /** CHAT_CONCURRENCY: chats of one account handled at the same time (each chat in order). Default 8. */
  chatConcurrency?: number;
}

export const DEFAULT_CHAT_CONCURRENCY = 8;

/** What the manager keeps per account: its runtime and where its login ladder stands. */
interface Runtime {
  kind: TransportKind;
  runtime: AccountRuntime;
  bot: Bot;
  host: PluginHost;
  pluginsReady: Promise<void>;
  running: boolean;
  abort?: AbortController;
  login?: Promise<void>;
}

export class AccountManager {
  private runtimes = new Map<string, Runtime>();
  /** The account rows, read once (`load`) and kept current by this manager, the only writer. */
  private records = new Map<string, AccountRecord>();
  private loading: Promise<void> | undefined;
  private listeners = new Set<(e: BotEvent) => void>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly pacing: PacingProfile | null;
  private readonly webLogins: WebLoginGuard;

  constructor(private readonly deps: AccountManagerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log.child({ ns: 'bot' });
    const p = deps.sendPacing ?? 'safe';
    this.pacing = p === 'off' ? null : p === 'safe' ? SAFE_PACING : p;
    this.webLogins = new WebLoginGuard(() => this.clock.now());
  }

  /** Read the accounts from the store (once; every other method that needs them awaits it). */
  load(): Promise<void> {
    this.loading ??= this.refresh();
    return this.loading;
  }

  /** Read the account rows again: rows another writer added since `load` become known (not started). */
  async refresh(): Promise<void> {
    for (const a of await this.deps.store.accounts.list()) if (!this.records.has(a.id)) this.records.set(a.id, a);
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
    const rec = await this.deps.store.accounts.create({ name: name?.trim() || `account ${this.records.size + 1}`, transport: options.transport ?? 'web' });
    this.records.set(rec.id, rec);
    await this.start(rec.id);
    return this.ensure(rec.id)!.bot;
  }

  /** Stop, log out and delete an account with everything stored for it. */
  async remove(id: string): Promise<void> {
    await this.load();
    const rt = this.ensure(id);
    if (!rt) return;
    await this.logout(id).catch((e: unknown) => this.log.warn({ err: e, account: id }, 'logout during remove failed'));
    await rt.host.close();
    rt.runtime.close();
    this.runtimes.delete(id);
    this.records.delete(id);
    await this.deps.store.accounts.purge(id);
  }

  /** Start (or resume) an account: mark it enabled and begin the login ladder. Resolves once launched. */
  async start(id: string): Promise<void> {
    await this.load();
    const rt = this.ensure(id);
    if (!rt) throw new Error(`No account ${id}`);
    await this.update(id, { enabled: true });
    rt.bot.setEnabled(true);
    await this.run(rt);
  }

  /** Stop an account and keep it stopped across restarts (enabled = false). */
  async stop(id: string): Promise<void> {
    await this.load();
    const rt = this.ensure(id);
    if (!rt) throw new Error(`No account ${id}`);
    await this.update(id, { enabled: false });
    rt.bot.setEnabled(false);
    await this.halt(rt);
  }

  /** Log out on the server, forget the saved session and stop. */
  async logout(id: string): Promise<void> {
    await this.load();
    const rt = this.ensure(id);
    if (!rt) throw new Error(`No account ${id}`);
    rt.running = false;
    rt.abort?.abort(new Error('logout'));
    try {
      await rt.bot.transport.logout();
    } catch (e) {
      this.log.warn({ err: e, account: id }, 'server logout failed; forgetting the session anyway');
    }
    await this.deps.store.sessions.clear(id);
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
    for (const a of accounts) {
      const rt = this.ensure(a.id)!;
      if (a.enabled) await this.run(rt);
    }
  }

  /** SIGTERM: stop the loops, finish in-flight sends, persist sessions. Queued sends stay in SQLite. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.runtimes.values()].map((rt) => this.halt(rt)));
    await Promise.all([...this.runtimes.values()].map((rt) => rt.host.close()));
  }

  /** Every event of every account, after it was committed. Returns the unsubscribe function. */
  onEvent(listener: (e: BotEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  // ---- internals ----

  private async update(id: string, patch: Parameters<Store['accounts']['update']>[1]): Promise<void> {
    const rec = await this.deps.store.accounts.update(id, patch);
    if (rec) this.records.set(id, rec);
  }

  private ensure(id: string): Runtime | undefined {
    const existing = this.runtimes.get(id);
    if (existing) return existing;
    const rec = this.records.get(id);
    if (!rec) return undefined;
    const s = this.deps.store;
    const log = this.log.child({ account: id });
    const bot = new Bot({
      id,
      name: rec.name,
      enabled: rec.enabled,
      transport: this.deps.createTransport(id, rec.transport),
      repos: { transaction: (fn) => s.transaction(fn), messages: s.messages, directory: s.directory, outbound: s.outbound, stats: s.stats },
      clock: this.clock,
      log,
      pacing: this.pacing,
      ...(this.deps.retry && { retry: this.deps.retry }),
      ...(this.deps.eventWriters && { eventWriters: this.deps.eventWriters }),
      onSessionChanged: () => saveSoon(),
      publish: (e) => {
        for (const l of this.listeners) {
          try {
            l(e);
          } catch (err) {
            log.error({ err }, 'event listener threw');
          }
        }
      },
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
    });
    const runtime = new AccountRuntime({
      bot,
      plugins: host,
      repos: { transaction: (fn) => s.transaction(fn), traces: s.traces, stats: s.stats },
      clock: this.clock,
      log,
      chatConcurrency: this.deps.chatConcurrency ?? DEFAULT_CHAT_CONCURRENCY,
    });
    const rt: Runtime = { kind: rec.transport, runtime, bot, host, pluginsReady: host.init(), running: false };
    // iLink's cursor and context tokens change with every batch: saved at most once a second.
    const saveSoon = throttle(
      () => void this.saveSession(rt),
      1000,
      this.clock,
      () => rt.abort?.signal,
    );
    rt.pluginsReady.catch((e: unknown) => log.error({ err: e }, 'plugins failed to load'));
    bot.on('logout', (p) => this.onLogout(rt, p.reason, p));
    bot.on('ready', () => void this.saveSession(rt));
    this.runtimes.set(id, rt);
    return rt;
  }

  private async run(rt: Runtime): Promise<void> {
    if (rt.running) return;
    await rt.pluginsReady;
    rt.running = true;
    rt.abort = new AbortController();
    await rt.bot.queue.start();
    rt.login = this.login(rt, false);
  }

  /** The ladder: saved session → push login → new QR (the transport walks it, given the session). */
  private async login(rt: Runtime, fresh: boolean): Promise<void> {
    const { bot } = rt;
    const id = bot.id;
    const signal = rt.abort!.signal;
    if (fresh) bot.useTransport(this.deps.createTransport(id, rt.kind));
    bot.markLoginStarted();
    bot.setState('starting');
    let session: Record<string, unknown> | undefined;
    try {
      session = await this.deps.store.sessions.load(id);
    } catch (e) {
      // Sealed with another SECRET_KEY or damaged: log in afresh rather than refuse to start.
      this.log.warn({ err: e, account: id }, 'saved session unreadable; a new login is needed');
      await this.deps.store.sessions.clear(id);
    }
    try {
      await bot.transport.start({
        ...(session && { session }),
        pushLogin: true,
        signal,
        ...(this.deps.maxQrCodes !== undefined && { maxQrCodes: this.deps.maxQrCodes }),
      });
      if (signal.aborted) return;
      if (bot.info().state !== 'online') bot.setState('online');
      if (rt.kind === 'web') this.webLogins.online(id);
      await this.saveSession(rt);
      const self = bot.self;
      if (self) await this.update(id, { selfName: self.name, ...(self.stableId && { selfStableId: self.stableId }) });
    } catch (e) {
      if (signal.aborted) return;
      const message = e instanceof Error ? e.message : String(e);
      if (isTransportError(e) && (e.kind === 'login-refused' || e.kind === 'server')) bot.setState('failed', message);
      else if (isTransportError(e) && (e.kind === 'logged-out' || e.kind === 'invalid')) bot.setState('needs-login', message);
      else bot.setState('failed', message);
      this.log.warn({ err: e, account: id }, 'login failed');
    }
  }

  private onLogout(rt: Runtime, reason: LogoutReason, notice: { code?: number; message?: string } = {}): void {
    const id = rt.bot.id;
    // The phone ended the session (or iLink said the token is dead): the snapshot is worthless.
    // Other reasons may still allow push login.
    if (reason === 'phone-logout' || reason === 'token-expired') {
      this.deps.store.sessions.clear(id).catch((e: unknown) => this.log.warn({ err: e, account: id }, 'could not forget the session'));
    }
    const blocked = rt.kind === 'web' && rt.running && reason !== 'requested' ? this.webLogins.verdict(id, { reason, ...notice }) : undefined;
    if (blocked) return this.stopLadder(rt, blocked);
    if (!rt.running || reason === 'requested' || this.deps.autoRelogin === false) return;
    const signal = rt.abort?.signal;
    this.clock.sleep(this.deps.reloginDelayMs ?? 5000, signal).then(
      () => {
        if (rt.running && !signal?.aborted) rt.login = this.login(rt, true);
      },
      () => {},
    );
  }

  /** WeChat is refusing this account's web logins: no more attempts; say why and what helps. */
  private stopLadder(rt: Runtime, explanation: string): void {
    this.log.warn({ account: rt.bot.id }, explanation);
    // After the failed login's own state change (a refused login throws after its logout event).
    void (rt.login ?? Promise.resolve()).then(() => {
      rt.bot.setState('failed', explanation);
      rt.bot.raiseLogout({ reason: WEB_LOGIN_BLOCKED, message: explanation });
    });
  }

  private async saveSession(rt: Runtime): Promise<void> {
    try {
      const snap = rt.bot.snapshot();
      if (snap) await this.deps.store.sessions.save(rt.bot.id, snap);
    } catch (e) {
      this.log.warn({ err: e, account: rt.bot.id }, 'could not save the session');
    }
  }

  /** Stop loops and sends, keep the session for the next start. */
  private async halt(rt: Runtime): Promise<void> {
    if (!rt.running) return;
    rt.running = false;
    await this.saveSession(rt);
    rt.abort?.abort(new Error('stopped'));
    await rt.bot.queue.stop();
    await rt.runtime.drain();
    try {
      await rt.bot.transport.stop();
    } catch (e) {
      this.log.warn({ err: e, account: rt.bot.id }, 'transport stop failed');
    }
    await this.saveSession(rt);
    await rt.login?.catch(() => {});
    rt.bot.setState('stopped');
  }
}
