/**
 * From a bot event to a webhook: which endpoints want it (filters), the JSON body
 * `{type, timestamp, account, transport, data}` (media as a signed download link), the queue key that keeps
 * one chat in order, and a webhook id that is stable for the same event and endpoint.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { BotEvent } from '../bot/types.js';
import type { WebhookEndpoint } from './records.js';

/** Any event the outbox carries: the bot's events plus the panel's test event. */
export interface OutboxEvent extends Omit<BotEvent, 'type'> {
  type: BotEvent['type'] | 'webhook.test';
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

const MESSAGE_TYPES = new Set(['message.received', 'message.sent']);

/** The text a keyword filter looks at: the message's text, when the event carries one. */
export function eventText(e: OutboxEvent): string | undefined {
  const t = record(e.data)?.text;
  return typeof t === 'string' ? t : undefined;
}

/**
 * Whether an endpoint wants an event.
 *
 * @example
 *   matches({ ...endpoint, keywords: ['help'] }, { type: 'message.received', account: 'a', at: 0, data: { text: 'Help!' } }); // true
 */
export function matches(ep: WebhookEndpoint, e: OutboxEvent): boolean {
  if (!ep.enabled) return false;
  if (e.type === 'webhook.test') return true;
  if (ep.eventTypes.length && !ep.eventTypes.includes(e.type)) return false;
  if (ep.accounts.length && !ep.accounts.includes(e.account)) return false;
  if (ep.chats.length) {
    // An entry is a chat id (this session's), a stable id or a name (any case, as the plugins'
    // chat filters): the last two outlive a re-login.
    const room = record(e.data)?.roomId;
    const ids = [e.chatId, typeof room === 'string' ? room : undefined, e.chat?.stableId].filter((x): x is string => !!x);
    const name = e.chat?.name.trim().toLowerCase();
    if (!ep.chats.some((c) => ids.includes(c.trim()) || (!!name && c.trim().toLowerCase() === name))) return false;
  }
  if (e.type === 'message.received' && record(e.data)?.isSelf === true && !ep.includeSelf) return false;
  if (ep.keywords.length) {
    const text = MESSAGE_TYPES.has(e.type) ? eventText(e)?.toLowerCase() : undefined;
    if (text === undefined || !ep.keywords.some((k) => text.includes(k.toLowerCase()))) return false;
  }
  return true;
}

/** Queue key: deliveries with the same key for one endpoint go out one at a time, in order. */
export function chatKeyOf(e: OutboxEvent): string {
  return `${e.account}:${e.chatId ?? ''}`;
}

/** The chat id back from a queue key (empty for account-level events). */
export function chatIdOfKey(account: string, chatKey: string): string {
  return chatKey.startsWith(account + ':') ? chatKey.slice(account.length + 1) : '';
}

/** What identifies the event itself, when it has an identity (a message id), else undefined. */
function eventIdentity(e: OutboxEvent): string | undefined {
  const d = record(e.data);
  if (!d) return undefined;
  if ((e.type === 'message.received' || e.type === 'message.sent') && typeof d.id === 'string') return d.id;
  if (e.type === 'message.recalled' && typeof d.messageId === 'string') return d.messageId;
  return undefined;
}

/**
 * The `webhook-id`: derived from the endpoint and the message id when the event has one (the same
 * message written twice gives the same id and one delivery row), else random.
 */
export function webhookIdFor(endpointId: string, e: OutboxEvent): string {
  const identity = eventIdentity(e);
  const seed = identity === undefined ? randomUUID() : `${endpointId}|${e.type}|${e.account}|${identity}`;
  return 'msg_' + createHash('sha256').update(seed).digest('base64url').slice(0, 27);
}

/** Builds a signed media link for a message (undefined when no public URL is known). */
export type MediaLinker = (account: string, messageId: string) => string | undefined;

/**
 * The JSON body of a webhook: `{type, timestamp, account, data}`; a message with media gets
 * `data.media.url`, a signed expiring link to download it from weiroto.
 */
export function webhookBody(e: OutboxEvent, mediaLink?: MediaLinker): string {
  let data = e.data;
  const d = record(data);
  const media = record(d?.media);
  if (d && media && typeof d.id === 'string' && mediaLink && MESSAGE_TYPES.has(e.type)) {
    const url = mediaLink(e.account, d.id);
    if (url) data = { ...d, media: { ...media, url } };
  }
  // `transport` ('web' | 'ilink') tells the kinds of account apart; the rest of the shape is the same for both.
  // Written out around the stringified data, as JSON.stringify of `{type, timestamp, account, transport?, data}`
  // writes it, without that object and the spread of `transport` (two of them per event, every event twice: outbox
  // and event log; issue 17).
  const head = bodyHead(e.type, e.at, e.account, e.transport);
  // Data JSON cannot hold (a function) is left out, as a property of that object would be.
  const json = JSON.stringify(data ?? null) as string | undefined;
  return json === undefined ? `${head}}` : `${head},"data":${json}}`;
}

/** The last body head written, with what it was made of (see `bodyHead`). */
const lastHead = { type: '', at: NaN, account: '', transport: undefined as string | undefined, head: '' };

/**
 * `{"type":…,"timestamp":…,"account":…,"transport":…` of a body, made again only when one of its parts changed: the
 * events of one sync batch share their type, time (the bot stamps a batch once) and account, and each head cost a
 * Date, its ISO string and three JSON strings (issue 17: three events per echoed message).
 */
function bodyHead(type: string, at: number, account: string, transport: string | undefined): string {
  const last = lastHead;
  if (at === last.at && type === last.type && account === last.account && transport === last.transport) return last.head;
  const head =
    `{"type":${JSON.stringify(type)},"timestamp":"${new Date(at).toISOString()}","account":${JSON.stringify(account)}` +
    (transport ? `,"transport":${JSON.stringify(transport)}` : '');
  last.type = type;
  last.at = at;
  last.account = account;
  last.transport = transport;
  last.head = head;
  return head;
}
