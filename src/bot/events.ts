/**
 * The one typed event map of a Bot. The descriptions are data, so the panel and the docs can list
 * them; the `BotEvents` payload types are declared next to them.
 */
import type { Contact, FriendRequest, Message, Recall, RoomJoin, RoomLeave, RoomTopic } from '../transport/model.js';
import type { LogoutReason, QrCode } from '../transport/transport.js';
import type { AccountState, OutboundRecord } from './types.js';

export const BOT_EVENTS = {
  qr: 'A new QR code to scan for this account.',
  scanned: 'The phone scanned the QR; waiting for the confirm tap.',
  login: 'The account logged in (contacts may still be loading).',
  ready: 'Contacts and rooms are loaded; the bot is fully online.',
  logout: 'The session ended, with the reason (phone-logout, kicked, requested, expired, login-failed).',
  message: 'A chat message was received (or written by this account elsewhere), after it was stored.',
  'message-sent': 'An outgoing message reached WeChat (status sent, with its MsgID) or failed for good.',
  'friend-request': 'Someone asked to become a friend.',
  'friend-added': 'Someone became a friend (a request was accepted, either way).',
  'room-join': 'People joined a room.',
  'room-leave': 'People left or were removed from a room.',
  'room-topic': 'A room was renamed.',
  recall: 'A message was recalled.',
  error: 'A problem worth reporting: a plugin failure (under its name) or a transport error.',
  state: 'The account state changed (online, waiting-scan, logged-out …).',
} as const;

export interface BotEvents {
  qr: QrCode;
  scanned: { avatar?: string };
  login: { self: Contact };
  ready: { contacts: number; rooms: number };
  logout: { reason: LogoutReason; code?: number; message?: string };
  message: Message;
  'message-sent': OutboundRecord;
  'friend-request': FriendRequest;
  'friend-added': { contactId?: string; name: string; at: number };
  'room-join': RoomJoin;
  'room-leave': RoomLeave;
  'room-topic': RoomTopic;
  recall: Recall;
  error: Error & { plugin?: string };
  state: { state: AccountState; detail?: string };
}

export type BotEventName = keyof typeof BOT_EVENTS;
// Compile-time check that the descriptions and the payload map list the same events.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const eventMapsAgree: Same<BotEventName, keyof BotEvents> = true;
