/**
 * What the bot's durable outbound queue holds: one record per message an account sends (queued →
 * sending → sent | failed; on a transport with a reply window a row may wait in 'waiting-for-user').
 */
import type { Message } from '../transport/model.js';

export type OutboundStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'waiting-for-user';
export type OutboundType = 'text' | 'image' | 'video' | 'file' | 'forward';

export interface OutboundRecord {
  /** Local id (uuid). */
  id: string;
  account: string;
  chatId: string;
  type: OutboundType;
  text?: string;
  fileName?: string;
  status: OutboundStatus;
  /** WeChat's MsgID once sent. */
  wechatId?: string;
  error?: { code?: number; message: string };
  /** 'plugin:echo', 'api', 'panel', 'webhook' … */
  source?: string;
  replyTo?: string;
  idempotencyKey?: string;
  attempts: number;
  createdAt: number;
  sentAt?: number;
  /**
   * When the last send call began whose outcome is unknown (a crash or a lost answer cut it off):
   * WeChat may have the message. Cleared when WeChat answers a refusal.
   */
  handedAt?: number;
  /** Since when the row waits for the user (status 'waiting-for-user'; the reason is in `error`). */
  heldAt?: number;
}

/** What the sender needs besides the record: file bytes or the forwarded message. */
export interface OutboundPayload {
  file?: { name: string; data: Buffer; mimeType?: string };
  message?: Message;
}

export interface NewOutbound {
  id: string;
  account: string;
  chatId: string;
  type: OutboundType;
  text?: string;
  file?: { name: string; data: Buffer; mimeType?: string };
  message?: Message;
  source?: string;
  replyTo?: string;
  idempotencyKey?: string;
  createdAt: number;
}
