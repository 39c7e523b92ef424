/** The bot layer's public surface: one account (Bot) and its shapes. Many accounts: src/accounts. */
export { Bot, TargetNotFoundError, type BotDeps, type BotRepos } from './bot.js';
export { Directory } from './directory.js';
export { BOT_EVENTS, type BotEvents, type BotEventName } from './events.js';
export { OutboundQueue, DEFAULT_RETRY, type RetryPolicy, type OutboundQueueDeps } from './outbound-queue.js';
export { Pacer, SAFE_PACING, type PacingProfile } from './pacing.js';
export { scaffoldPlugin } from './scaffold.js';
export { WEBHOOK_EVENT_TYPES, PLUGIN_EVENT_NAMES, isWebhookEventType, type WebhookEventType, type PluginEventName } from './event-vocabulary.js';
export type {
  AccountState,
  BotInfo,
  SendTarget,
  OutgoingContent,
  OutboundRecord,
  OutboundStatus,
  SendOptions,
  BotEvent,
  BotEventType,
  BotHandle,
  DirectoryView,
  EventWriter,
} from './types.js';
export type { QrCode } from '../transport/transport.js';
