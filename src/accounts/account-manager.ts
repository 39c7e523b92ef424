/**
 * Many accounts in one process, each isolated: its own Transport (cookie jar, keys, loops), its own
 * outbound queue and its own plugin instances. The operations on accounts (add, start, stop, log out,
 * remove, retry) and what a cluster asks of this node (`runHere`, `release`, `placementChanged` …); an
 * account's parts are in managed-account.ts, its login ladder in login-ladder.ts, its launch and halt in
 * account-runner.ts, and what another node runs in account-placement.ts.
 */
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../util/clock.js';
import type { TransportKind } from '../transport/capabilities.js';
import { forgetAccountLine, type AccountRecord, type Store } from '../store/index.js';
import type { PluginHost } from '../pipeline/plugin-host.js';
import type { Bot } from '../bot/bot.js';
import type { AccountRuntime } from './account-runtime.js';
import { SAFE_PACING, type PacingProfile } from '../bot/pacing.js';
import type { BotEvent, BotInfo } from '../bot/types.js';
import { AccountTimeline, type TimelineEntry } from './account-timeline.js';
import { typeVerifyCode, type VerifyAnswer } from './verify-answer.js';
import { DEFAULT_LOGIN_CONCURRENCY, type AccountManagerDeps } from './account-manager-deps.js';
import { assembleAccount, type ManagedAccount } from './managed-account.js';
import { LoginLadder } from './login-ladder.js';
import { AccountRunner, type StopTimes } from './account-runner.js';
import { AccountPlacement } from './account-placement.js';

export class AccountManager {
  private runtimes = new Map<string, ManagedAccount>();
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
  /** Set by `stopAll`: accounts not yet launched by `startAll` stay stopped. */
  private stopping = false;
  private listeners = new Set<(e: BotEvent) => void>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly pacing: PacingProfile | null;
  private readonly timelines: AccountTimeline;
  private readonly ladder: LoginLadder;
  private readonly runner: AccountRunner;
  private readonly placement: AccountPlacement;

  constructor(private readonly deps: AccountManagerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log.child({ ns: 'bot' });
    const p = deps.sendPacing ?? 'safe';
    this.pacing = p === 'off' ? null : p === 'safe' ? SAFE_PACING : p;
    this.timelines = new AccountTimeline(
      // What the account's runtime records goes through its store (fenced in a cluster); the admin's entries about an account run elsewhere, straight.
      (account) => {
        const rt = this.runtimes.get(account);
        return rt?.running ? rt.store.timeline : deps.store.timeline;
      },
      () => this.clock.now(),
      (e) => this.log.warn({ err: e }, 'could not record a timeline entry'),
    );
    this.ladder = new LoginLadder({ deps, clock: this.clock, log: this.log, timelines: this.timelines, keep: (rec) => this.keep(rec) });
    this.runner = new AccountRunner({ deps, clock: this.clock, log: this.log, ladder: this.ladder });
    this.placement = new AccountPlacement(deps.cluster, deps.store, this.clock, this.log);
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
    if (this.placement.forwarded(rt, 'retry')) return true;
    if (rt.wake) {
      this.timelines.record(id, { kind: 'retry-now' });
      rt.wake.abort(new Error('retry now'));
      return true;
    }
    if (rt.running && !rt.ladderStopped) return false;
    if (rt.running) await this.runner.halt(rt);
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
    const asked = this.placement.askHolder(rt, { act: 'remove' });
    if (asked) {
      await asked;
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
    this.deps.cluster?.place(id);
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
    return this.placement.askHolder(rt, { act: 'verify', code }) ?? typeVerifyCode(rt.bot, code, this.clock);
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
    else await this.runner.run(rt);
  }

  /**
   * Cluster: this node took the account's lease; run it (restore its session, start its queue and
   * loops). Accounts added by another node since `load` are read first.
   */
  async runHere(id: string): Promise<void> {
    const releases = this.placement.releasesOf(id);
    await this.load();
    if (!this.records.has(id)) await this.refresh();
    const rt = this.ensure(id);
    if (!rt) throw new Error(`No account ${id}`);
    // Released while its row was being read (handed over already): running it now would run it with no lease.
    if (this.placement.releasesOf(id) !== releases) return;
    rt.bot.setEnabled(true);
    await this.runner.run(rt);
  }

  /** Cluster: stop running the account here (it moves to another node), keeping it enabled and its session saved. Returns where the stop's time went. */
  async release(id: string): Promise<StopTimes | undefined> {
    this.placement.released(id);
    const rt = this.runtimes.get(id);
    return rt ? this.runner.halt(rt, true) : undefined;
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
    const shown = this.placement.shown(this.ensure(id)!);
    if (shown) this.announce(shown);
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
    await this.runner.halt(rt);
    this.deps.cluster?.place(id);
  }

  /** Log out on the server, forget the saved session and stop. */
  async logout(id: string): Promise<void> {
    await this.load();
    const rt = this.ensure(id);
    if (!rt) throw new Error(`No account ${id}`);
    // Cluster: only the node running the account holds its session (and may write about it).
    if (this.placement.forwarded(rt, 'logout')) return;
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
      this.runner.run(rt).then(async () => {
        // stopAll may have halted every running account while this one was being launched.
        if (this.stopping) await this.runner.halt(rt);
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
  private loginPhase(rt: ManagedAccount): Promise<void> {
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
    await Promise.all([...this.runtimes.values()].map((rt) => this.runner.halt(rt)));
    await Promise.all([...this.runtimes.values()].map((rt) => rt.host.close()));
    await this.timelines.flush();
  }

  /** Every event of every account, after it was committed. Returns the unsubscribe function. */
  onEvent(listener: (e: BotEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  // ---- internals ----

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
    await this.runner.halt(rt);
    await rt.host.close();
    rt.runtime.close();
    forgetAccountLine(this.deps.store, id);
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

  /** The account's parts, made from its row on first use (undefined: no such account known here). */
  private ensure(id: string): ManagedAccount | undefined {
    const existing = this.runtimes.get(id);
    if (existing) return existing;
    const rec = this.records.get(id);
    if (!rec) return undefined;
    const rt = assembleAccount(rec, {
      deps: this.deps,
      clock: this.clock,
      log: this.log,
      pacing: this.pacing,
      publish: (e) => this.announce(e),
      ladder: this.ladder,
    });
    this.runtimes.set(id, rt);
    return rt;
  }
}
