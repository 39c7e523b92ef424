/** What the API needs from the rest of weiroto, as narrow structural types (the real classes fit). */
import type { TimelineEntry } from '../accounts/account-timeline.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../util/clock.js';
import type { BotInfo, DirectoryView, OutboundRecord, OutgoingContent, SendOptions, SendTarget } from '../bot/types.js';
import type { MediaAccess } from '../bot/media-access.js';
import type { TransportCapabilities } from '../transport/capabilities.js';
import type { PluginInfo } from '../pipeline/plugin-host.js';
import type { PluginDefinition } from '../pipeline/plugin.js';
import type { ApiTokensRepo, Repos } from '../store/index.js';
import type { WebhookService } from '../webhook/service.js';
import type { EventLog } from '../webhook/event-log.js';
import type { RateLimitOptions } from './rate-limit.js';
import type { NodeOverview, VerifyAnswer } from '../accounts/index.js';

export interface ApiBot {
  info(): BotInfo;
  readonly directory: DirectoryView;
  send(to: SendTarget, content: OutgoingContent, options?: SendOptions): Promise<OutboundRecord>;
  /** Before a send's target is checked: a cluster node reads the chats of an account run elsewhere (Bot.prepareSend). */
  prepareSend?(): Promise<void>;
  /** `untilHeld`: answer as soon as the send waits for the user (iLink reply window, quota). */
  waitFor(outboundId: string, timeoutMs?: number, o?: { untilHeld?: boolean }): Promise<OutboundRecord>;
  /** Message media and avatars (the API never holds the account's transport). */
  readonly media: Pick<MediaAccess, 'download' | 'avatar'>;
  /** What the account's transport can do. */
  readonly capabilities: TransportCapabilities;
}

export interface ApiManager {
  list(): BotInfo[];
  get(id: string): ApiBot | undefined;
  /** The account's plugins (they belong to its runtime, not to the bot). */
  plugins(id: string):
    | {
        list(): PluginInfo[];
        enable(name: string): Promise<void>;
        disable(name: string): Promise<void>;
        configure(name: string, config: unknown): Promise<unknown>;
        reorder(names: string[]): Promise<void>;
      }
    | undefined;
  /** Resolves once the account's plugins are set up (AccountManager.ready). */
  ready?(id: string): Promise<unknown>;
  /** Add an account of either transport and start it (AccountManager.add). */
  add?(name: string | undefined, options: { transport: 'web' | 'ilink' }): Promise<ApiBot>;
  /** The account's state changes with reasons, newest first (AccountManager.timeline). */
  timeline(id: string, limit?: number): Promise<TimelineEntry[]>;
  /** iLink: the digits the phone shows after a scan; resolves with WeChat's answer (AccountManager.submitVerifyCode). */
  submitVerifyCode?(id: string, code: string): Promise<VerifyAnswer>;
}

export interface ApiRegistry {
  list(): PluginDefinition[];
  /** Plugins found but not loaded, with why. */
  readonly problems?: readonly { name: string; path: string; error: string }[];
  get(name: string): PluginDefinition | undefined;
  jsonSchema(name: string): unknown;
  secretFields(name: string): string[];
  /** Load every plugin known by its manifest only (before the API's first request). */
  loadAll?(): Promise<void>;
}

export interface ApiDeps {
  manager: ApiManager;
  registry: ApiRegistry;
  store: Pick<Repos, 'messages' | 'directory' | 'outbound' | 'idempotency'>;
  webhooks: WebhookService;
  /** The durable event log behind `GET /events` (absent: the route answers 404). */
  events?: EventLog;
  tokens: ApiTokensRepo;
  log: Logger;
  config: { apiAllowPrivateUrls: boolean };
  clock?: Clock;
  /** Per token (default 60 burst, 10/s). */
  rateLimit?: RateLimitOptions;
  /** Largest file accepted for a send (default 25 MiB). */
  maxUploadBytes?: number;
  /** Cluster (REDIS_URL): every node with its accounts (`GET /nodes`; absent: 404). */
  cluster?: { nodes(): Promise<NodeOverview[]> };
}
