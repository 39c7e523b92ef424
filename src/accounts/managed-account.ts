/**
 * One account as the manager keeps it: its parts (Bot, PluginHost, AccountRuntime) wired to the store as
 * this account uses it (its own line, fenced in a cluster), and where its run and login ladder stand.
 */
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import type { LogoutReason, Transport } from '../transport/transport.js';
import type { TransportKind } from '../transport/capabilities.js';
import { inAccountLine, type AccountRecord } from '../store/index.js';
import { PluginHost } from '../pipeline/plugin-host.js';
import { Bot } from '../bot/bot.js';
import type { PacingProfile } from '../bot/pacing.js';
import type { BotEvent } from '../bot/types.js';
import { throttle } from '../bot/throttle.js';
import { AccountRuntime } from './account-runtime.js';
import { DEFAULT_CHAT_CONCURRENCY, type AccountManagerDeps, type ManagerStore } from './account-manager-deps.js';
import { saveSession } from './stored-session.js';

/** What the manager keeps per account: its runtime and where its login ladder stands. */
export interface ManagedAccount {
  kind: TransportKind;
  /** The store as this account's runtime uses it (fenced in a cluster). */
  store: ManagerStore;
  runtime: AccountRuntime;
  bot: Bot;
  host: PluginHost;
  pluginsReady: Promise<void>;
  running: boolean;
  /** `run` under way (plugins loading, queue starting). A halt does not wait for it: see `AccountRunner.launch`. */
  launching?: Promise<void>;
  /** Counts halts: a launch that a halt overtook starts nothing more (its plugins were loading) or stops at once. */
  halts: number;
  /** The login's transport is up and only its saves are left (a halt does not wait for those). */
  loginSaving?: boolean;
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

/** A fresh transport of the account's kind (fenced in a cluster). */
export function freshTransport(deps: AccountManagerDeps, id: string, kind: TransportKind): Transport {
  const transport = deps.createTransport(id, kind);
  return deps.cluster?.transport(id, transport) ?? transport;
}

/** What an account's parts are made with, besides its row. */
export interface AccountAssembly {
  deps: AccountManagerDeps;
  clock: Clock;
  /** The manager's log: each account's is its child. */
  log: Logger;
  pacing: PacingProfile | null;
  /** Every committed event of the account, for the manager's listeners. */
  publish(e: BotEvent): void;
  /** The login ladder hears the account's logouts and state changes. */
  ladder: {
    onLogout(a: ManagedAccount, reason: LogoutReason, notice: { code?: number; message?: string }): void;
    noteState(a: ManagedAccount, state: string): void;
  };
}

/** The account of row `rec`, not running: its Bot, its plugins (loading) and its runtime. */
export function assembleAccount(rec: AccountRecord, parts: AccountAssembly): ManagedAccount {
  const { deps, clock, ladder } = parts;
  const id = rec.id;
  // Its calls in a line of its own (on PostgreSQL): its handover's session save waits behind its own writes only.
  const own = inAccountLine(deps.store, id);
  const s = deps.cluster?.store(id, own) ?? own;
  const router = deps.cluster?.sendRouter?.(id);
  const log = parts.log.child({ account: id });
  const bot = new Bot({
    id,
    chatConcurrency: deps.chatConcurrency ?? DEFAULT_CHAT_CONCURRENCY,
    name: rec.name,
    enabled: rec.enabled,
    transport: freshTransport(deps, id, rec.transport),
    repos: {
      transaction: (fn, o) => s.transaction(fn, o),
      ...(s.onGroupOpen && { onGroupOpen: (listener: () => void) => s.onGroupOpen!(listener) }),
      ...(s.issued && { issued: s.issued }),
      messages: s.messages,
      directory: s.directory,
      outbound: s.outbound,
      stats: s.stats,
    },
    clock,
    log,
    pacing: parts.pacing,
    ...(deps.maxHoldMs !== undefined && { maxHoldMs: deps.maxHoldMs }),
    ...(deps.retry && { retry: deps.retry }),
    ...(deps.eventWriters && { eventWriters: deps.eventWriters }),
    onSessionChanged: () => saveSoon(),
    ...(router && { router }),
    publish: (e) => parts.publish(e),
  });
  const host = new PluginHost({
    account: id,
    bot,
    registry: deps.pluginRegistry,
    settings: s.pluginSettings,
    errors: s.pluginErrors,
    kv: s.kv,
    log,
    clock,
    defaults: deps.botPlugins ?? [],
    ...(deps.pluginConfigDefaults && { configDefaults: deps.pluginConfigDefaults }),
    ...(deps.pluginHttpPolicy && { httpPolicy: deps.pluginHttpPolicy }),
    secrets: s.box,
    ...(deps.dataDir && { dataDir: deps.dataDir }),
    ...(deps.pluginTimeoutMs !== undefined && { timeoutMs: deps.pluginTimeoutMs }),
    onError: (e) => bot.reportError(e),
    ...(deps.cluster && { onSaved: () => deps.cluster!.settingsChanged(id) }),
  });
  const runtime = new AccountRuntime({
    bot,
    plugins: host,
    repos: { transaction: (fn) => s.transaction(fn), traces: s.traces, stats: s.stats },
    clock,
    log,
    chatConcurrency: deps.chatConcurrency ?? DEFAULT_CHAT_CONCURRENCY,
  });
  const a: ManagedAccount = { kind: rec.transport, store: s, runtime, bot, host, pluginsReady: host.init(), running: false, failures: 0, halts: 0 };
  // iLink's cursor and context tokens change with every batch: saved at most once a second.
  const saveSoon = throttle(
    () => void saveSession(a, parts.log),
    1000,
    clock,
    () => a.abort?.signal,
  );
  a.pluginsReady.catch((e: unknown) => log.error({ err: e }, 'plugins failed to load'));
  bot.on('logout', (p) => ladder.onLogout(a, p.reason, p));
  bot.on('state', ({ state }) => ladder.noteState(a, state));
  bot.on('ready', () => void saveSession(a, parts.log));
  if (deps.cluster) bot.place(deps.cluster.elsewhere(id));
  return a;
}
