/**
 * What the panel needs from the rest of the server, as small structural interfaces: the real
 * AccountManager, PluginRegistry, webhook service and API tokens satisfy them, and tests can hand in
 * their own. Keeping them narrow is what lets the panel sit beside the bot, not inside it.
 */
import type { TimelineEntry } from '../accounts/account-timeline.js';
import type { MetricsLater } from '../http/metrics-later.js';
import type { Logger } from '../logger.js';
import type { Phrase, PhraseBook } from '../util/phrase.js';
import type { LoginThrottleOptions } from './login-throttle.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import type { TransportCapabilities } from '../transport/capabilities.js';
import type { ContactOperations } from '../bot/contact-operations.js';
import type { MediaAccess } from '../bot/media-access.js';
import type { PluginForm } from '../pipeline/plugin-form.js';
import type { NodeOverview, VerifyAnswer } from '../accounts/index.js';
import type { BotInfo, BotEvent, DirectoryView, OutboundRecord, OutgoingContent, SendTarget } from '../bot/types.js';

export interface AdminPluginState {
  name: string;
  description: string;
  enabled: boolean;
  order: number;
  config: unknown;
  errors?: unknown;
  lastError?: string;
  /** The cause of the last failure as a phrase (shown in the page's language). */
  lastErrorPhrase?: Phrase;
  /** The plugin can test its outside connection (the AI's "Test connection"). */
  testable?: boolean;
  /** Switched on, but its setup failed: it does not run. */
  failed?: { error: string; phrase?: Phrase };
}

export interface AdminPluginHost {
  list(): AdminPluginState[];
  enable(name: string): unknown;
  disable(name: string): unknown;
  /** Validates with the plugin's schema; throws an error carrying the schema's messages when invalid. */
  configure(name: string, config: unknown): unknown;
  reorder(names: string[]): unknown;
  /** Run the plugin's connection test once with its saved settings. */
  probe?(name: string): Promise<{ ok: true; answer: string; ms: number } | { ok: false; error: string; phrase?: Phrase; ms: number }>;
}

export interface AdminBot {
  readonly id: string;
  info(): BotInfo;
  readonly directory: DirectoryView;
  send(to: SendTarget, content: OutgoingContent, options?: { idempotencyKey?: string; source?: string; replyTo?: string }): Promise<OutboundRecord>;
  /** Before a send's target is checked: a cluster node reads the chats of an account run elsewhere (Bot.prepareSend). */
  prepareSend?(): Promise<void>;
  /** Contact and room operations, capability-checked (the surface plugins get as `api.contacts`). */
  readonly contacts: ContactOperations;
  /** Message media and avatars. */
  readonly media: MediaAccess;
  /** What the account's transport can do. The panel never holds the transport itself. */
  readonly capabilities: TransportCapabilities;
}

export interface AdminManager {
  list(): BotInfo[];
  get(id: string): AdminBot | undefined;
  /** The account's plugins (they belong to its runtime, not to the bot). */
  plugins(id: string): AdminPluginHost | undefined;
  add(name?: string, options?: { transport?: 'web' | 'ilink' }): Promise<{ id: string }>;
  remove(id: string): Promise<void>;
  start(id: string): Promise<void>;
  stop(id: string): Promise<void>;
  logout(id: string): Promise<void>;
  onEvent(listener: (e: BotEvent) => void): () => void;
  /** Try a waiting (or failed) login now; false when an attempt is already under way. */
  retryNow(id: string): Promise<boolean>;
  /** iLink: the digits the phone shows after a scan; resolves with WeChat's answer (on whichever node runs the account). */
  submitVerifyCode(id: string, code: string): Promise<VerifyAnswer>;
  /** The account's state changes with reasons, newest first. */
  timeline(id: string, limit?: number): Promise<TimelineEntry[]>;
  onTimeline(listener: (e: TimelineEntry) => void): () => void;
}

export interface AdminRegistry {
  list(): { name: string; description: string }[];
  /** The plugin's config schema as JSON Schema (zod → z.toJSONSchema). */
  jsonSchema(name: string): unknown;
  /** The plugin's settings-page metadata (labels, help, widgets in both languages), if it declares any. */
  form?(name: string): PluginForm | undefined;
  /** The plugin's phrase book (src/util/phrase.ts), if it declares one. */
  phrases?(name: string): PhraseBook | undefined;
  /** Load every plugin known by its manifest only (before the panel's first page). */
  loadAll?(): Promise<void>;
  /** Plugins found but not loaded (PLUGIN_DIR, npm packages), with why: the plugins page lists them. */
  readonly problems?: readonly { name: string; path: string; error: string; phrase?: Phrase }[];
}

/** Webhook endpoints and deliveries as the panel shows them (the webhook service's shapes, loosely). */
export interface WebhookEndpointView {
  id: string;
  url: string;
  description?: string;
  enabled?: boolean;
  events?: string[];
  accounts?: string[];
  chats?: string[];
  keywords?: string[];
  createdAt?: number;
}

export interface WebhookDeliveryView {
  id: string;
  endpointId?: string;
  eventType?: string;
  type?: string;
  status: string;
  attempts?: number;
  responseStatus?: number;
  lastStatus?: number;
  error?: string;
  lastError?: string;
  createdAt?: number;
  deliveredAt?: number;
}

/** Cluster (REDIS_URL): this node's name and every node with its accounts (the Nodes page). */
export interface AdminCluster {
  readonly node: string;
  nodes(): Promise<NodeOverview[]>;
  /** Events other nodes committed (a message log open here reloads on a message handled there). Returns the unsubscribe function. */
  onEventsElsewhere?(listener: (events: { account: string; type: string; chatId?: string; at: number }[]) => void): () => void;
}

export interface AdminDeps {
  manager: AdminManager;
  /** Set in a cluster: the Nodes page and the accounts' `node` column show. */
  cluster?: AdminCluster;
  registry: AdminRegistry;
  store: Store;
  /** The webhook service (src/webhook); the webhook pages adapt to it, see webhook-adapter.ts. */
  webhooks?: unknown;
  /** API tokens (src/api); see tokens-adapter.ts. */
  tokens?: unknown;
  log: Logger;
  /** `publicUrl` and `host` are the names the panel answers to besides IP addresses and localhost. */
  config: { adminPassword?: string | undefined; publicUrl?: string | undefined; host?: string | undefined; outboxHoldMs?: number };
  /** The /metrics registry of this server instance (made at the first scrape); one is created when absent. */
  metrics?: MetricsLater;
  clock?: Clock;
  /** Session lifetime (default 12 hours). */
  sessionTtlMs?: number;
  /** Cookies always get the Secure flag (they get it anyway on requests that came over HTTPS). */
  secureCookies?: boolean;
  /** Limits of the login throttle (defaults: 5 failures per address and user name in 15 min, 60 attempts a minute in all). */
  loginThrottle?: LoginThrottleOptions;
}
