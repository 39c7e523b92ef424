/**
 * What the webhook layer keeps: endpoints (with their filters and format) and deliveries (the
 * durable outbox rows and their attempts). The store implements the repositories over these
 * records (src/store/webhook-*-repo.ts).
 */
import type { BotEventType } from '../bot/types.js';

/**
 * Who set the endpoint's URL (last): the panel (an admin), the API (a token holder) or WEBHOOK_URL.
 * URLs set through the API are delivered with the address guard.
 */
export type EndpointSource = 'panel' | 'api' | 'config';

/** How deliveries are written: Standard Webhooks (signed JSON), or the wechatbot-webhook multipart callback. */
export const WEBHOOK_FORMATS = ['standard', 'wechatbot-webhook'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export interface EndpointFilters {
  /** Event types to deliver; empty = all. */
  eventTypes: (BotEventType | 'webhook.test')[];
  /** Account ids; empty = all. */
  accounts: string[];
  /** Chat ids (rooms or people); empty = all. */
  chats: string[];
  /** Message events only pass when their text contains one of these (case-insensitive); empty = all. */
  keywords: string[];
  /** Deliver messages this account wrote itself (phone, other devices). */
  includeSelf: boolean;
  format: WebhookFormat;
}

/** An endpoint as shown to the panel and the API (never with its secret). */
export interface WebhookEndpoint extends EndpointFilters {
  id: string;
  url: string;
  description: string;
  enabled: boolean;
  source: EndpointSource;
  /** Until when the previous secret still signs (after a rotation). */
  oldSecretUntil?: number;
  createdAt: number;
  updatedAt: number;
}

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'dead';

export interface WebhookDelivery {
  /** Local id (the row's sequence number). */
  id: number;
  /** The Standard Webhooks `webhook-id`: the same for every attempt and redelivery. */
  webhookId: string;
  endpointId: string;
  eventType: string;
  account: string;
  chatKey: string;
  status: DeliveryStatus;
  attempts: number;
  nextAt: number;
  giveUpAt: number;
  lastStatus?: number;
  lastError?: string;
  createdAt: number;
  updatedAt: number;
  deliveredAt?: number;
}

export interface DeliveryAttempt {
  id: number;
  deliveryId: number;
  at: number;
  statusCode?: number;
  durationMs: number;
  /** The first 1 KiB of the answer. */
  response?: string;
  error?: string;
}

export interface NewDelivery {
  webhookId: string;
  endpointId: string;
  eventType: string;
  account: string;
  chatKey: string;
  body: string;
  at: number;
  giveUpAt: number;
}

export interface DeliveryListQuery {
  endpointId?: string;
  status?: DeliveryStatus;
  /** Rows with id below this (paging, newest first). */
  before?: number;
  /** Default 50, at most 500. */
  limit?: number;
}

/** One journalled event of the event log (`GET /api/v1/events`). */
export interface LoggedEvent {
  seq: number;
  type: string;
  account: string;
  at: number;
  /** `{type, timestamp, account, data}`, as a webhook body. */
  body: string;
}

export interface EventLogQuery {
  /** Events with seq above this. */
  after: number;
  accounts?: string[];
  types?: string[];
  /** Default 200, at most 1000. */
  limit?: number;
}
