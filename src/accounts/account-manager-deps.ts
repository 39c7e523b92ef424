/**
 * What an AccountManager is built from: the store it reads and writes accounts through, the way it makes
 * each account's transport, and the settings (environment variables) that shape its accounts' runs, with
 * their defaults.
 */
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import type { Transport } from '../transport/transport.js';
import type { TransportKind } from '../transport/capabilities.js';
import type { Store } from '../store/index.js';
import type { ConfigDefaults } from '../pipeline/config-defaults.js';
import type { OutboundPolicy } from '../util/outbound-guard.js';
import type { PluginRegistry } from '../pipeline/plugin-registry.js';
import type { PacingProfile } from '../bot/pacing.js';
import type { RetryPolicy } from '../bot/outbound-queue.js';
import type { EventWriter } from '../bot/types.js';
import type { AccountCluster } from './account-cluster.js';

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
