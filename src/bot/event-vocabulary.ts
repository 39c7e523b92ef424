/**
 * The one event vocabulary: how each transport event travels up. One row per transport event
 * says which Bot event it becomes (`bot`), which journal type it is recorded under for webhooks,
 * the API's event stream and the panel (`webhook`), the chat it belongs to, and whether plugins may
 * listen to it (`plugins`). Two more rows are events the Bot originates itself (a settled send, a
 * state change). From these rows come the plugin event list (`api.on`), the webhook event types
 * (subscriptions, API validation, the OpenAPI enum, the panel's checkboxes) and the Bot's re-emits:
 * nothing else lists events by hand. A transport event without a row does not compile.
 */
import type { TransportEventName, TransportEvents } from '../transport/transport.js';
import type { BotEventName, BotEvents } from './events.js';

/** The Bot events whose payload a transport event's payload can be announced as. */
type BotEventFor<P> = { [B in BotEventName]: P extends BotEvents[B] ? B : never }[BotEventName];

export interface EventRoute<P> {
  /** Re-emitted by the Bot under this name, after the Bot's own bookkeeping. */
  readonly bot?: BotEventFor<P>;
  /** Recorded in the journal (webhooks, `GET /api/v1/events`, the panel) under this type. */
  readonly webhook?: string;
  /** Plugins may listen with `api.on(<bot event>)`. */
  readonly plugins?: true;
  /** The chat the event belongs to (webhook chat filters, per-chat delivery order). */
  readonly chat?: (payload: P) => string | undefined;
  /** Announced only once stored (the Bot batches messages into one transaction first). */
  readonly afterStore?: true;
  /** Recorded under `webhook` by the Bot's own bookkeeping, in its own form and only when it applies (not relayed as is). */
  readonly ownRecord?: true;
}

/** Why a row has no route up is said beside it; the Bot still does its bookkeeping for it. */
export const TRANSPORT_EVENT_ROUTES = {
  message: { bot: 'message', webhook: 'message.received', chat: (m) => m.chatId, afterStore: true },
  'friend-request': { bot: 'friend-request', webhook: 'friend.request', plugins: true, chat: (r) => r.contactId },
  'friend-added': { bot: 'friend-added', webhook: 'friend.added', plugins: true, chat: (f) => f.contactId },
  'room-join': { bot: 'room-join', webhook: 'room.join', plugins: true, chat: (j) => j.roomId },
  'room-leave': { bot: 'room-leave', webhook: 'room.leave', plugins: true, chat: (l) => l.roomId },
  'room-topic': { bot: 'room-topic', webhook: 'room.topic', plugins: true, chat: (t) => t.roomId },
  recall: { bot: 'recall', webhook: 'message.recalled', plugins: true, chat: (r) => r.chatId },
  login: { bot: 'login', webhook: 'account.login', plugins: true },
  logout: { bot: 'logout', webhook: 'account.logout', plugins: true },
  ready: { bot: 'ready', plugins: true },
  qr: { bot: 'qr' },
  scanned: { bot: 'scanned' },
  error: { bot: 'error', webhook: 'account.error', ownRecord: true }, // only while online, as { error: { name, message, code } }
  // Bookkeeping only: they change the Bot's state or directory, which announces itself ('state').
  step: {},
  heartbeat: {},
  'contact-update': {},
  'contact-delete': {},
  'room-update': {},
  'room-delete': {},
  'self-update': {},
  'verify-code': {}, // the panel reads it from the account's state and answers through the Bot
  'session-changed': {}, // the manager stores the session again
  // Nobody above the transport uses it yet.
  'chat-opened': {},
} as const satisfies { [E in TransportEventName]: EventRoute<TransportEvents[E]> };

/** Events the Bot originates (no transport event behind them). */
export const BOT_ORIGIN_ROUTES = {
  'message-sent': { webhook: 'message.sent', plugins: true },
  state: { webhook: 'account.state' },
} as const satisfies { [B in BotEventName]?: Omit<EventRoute<BotEvents[B]>, 'bot' | 'afterStore'> };

type Routes = typeof TRANSPORT_EVENT_ROUTES;
type OriginRoutes = typeof BOT_ORIGIN_ROUTES;
type Field<T, F extends string> = { [K in keyof T]: T[K] extends { readonly [P in F]: infer V } ? V : never }[keyof T];

/** Every journal (webhook) event type. */
export type WebhookEventType = Field<Routes, 'webhook'> | Field<OriginRoutes, 'webhook'>;

/** Bot events a plugin can listen to with `api.on`. */
export type PluginEventName =
  | { [K in keyof Routes]: Routes[K] extends { plugins: true; bot: infer B } ? B : never }[keyof Routes]
  | { [K in keyof OriginRoutes]: OriginRoutes[K] extends { plugins: true } ? K : never }[keyof OriginRoutes];

const transportRows = Object.entries(TRANSPORT_EVENT_ROUTES) as [TransportEventName, EventRoute<unknown>][];
const originRows = Object.entries(BOT_ORIGIN_ROUTES) as [BotEventName, EventRoute<unknown>][];

/** Every webhook event type, in table order (the panel's checkboxes, the OpenAPI enum). */
export const WEBHOOK_EVENT_TYPES = [...transportRows, ...originRows].flatMap(([, r]) => (r.webhook ? [r.webhook] : [])) as readonly WebhookEventType[];

/** The events `api.on` accepts. */
export const PLUGIN_EVENT_NAMES = [
  ...transportRows.flatMap(([, r]) => (r.plugins && r.bot ? [r.bot] : [])),
  ...originRows.flatMap(([name, r]) => (r.plugins ? [name] : [])),
] as readonly PluginEventName[];

/** The route of a transport event (typed loosely: the Bot relays payloads as they are). */
export function routeOf(event: TransportEventName): EventRoute<unknown> {
  return TRANSPORT_EVENT_ROUTES[event] as EventRoute<unknown>;
}

/** Whether a string names a webhook event type (API and form validation). */
export function isWebhookEventType(type: string): type is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type);
}

/** Every Bot event name comes from exactly the table (checked when compiling). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const botEventsFollowTheTable: Same<BotEventName, Field<Routes, 'bot'> | keyof OriginRoutes> = true;
