/**
 * A delivery format beside Standard Webhooks. The outbox, ordering, attempt log and redelivery stay
 * the same; the format decides which events it carries, writes the request and acts on the answer.
 * Formats are handed in by the wiring (the webhook layer knows none of them by name).
 */
import type { WebhookDeliveriesRepo } from '../store/index.js';
import type { WebhookDelivery, WebhookEndpoint } from './records.js';
import type { OutboxEvent } from './events.js';

export interface FormattedRequest {
  headers: Record<string, string>;
  body: Buffer;
}

export interface DeliveryFormat {
  /**
   * Whether this endpoint gets this event at all. Called inside the bot's transaction, before a row
   * is written; `outbox` reads through that transaction (the store would wait for it to end).
   */
  accepts(e: OutboxEvent, endpoint: WebhookEndpoint, outbox: Pick<WebhookDeliveriesRepo, 'lastSessionEvent'>): Promise<boolean>;
  /** The request for one stored delivery (its `body` is the Standard Webhooks JSON of the event). */
  build(delivery: WebhookDelivery & { body: string }, endpoint: WebhookEndpoint): Promise<FormattedRequest>;
  /** A 2xx answer arrived: act on it (quick replies). Returns a note for the attempt log. */
  onAnswer(delivery: WebhookDelivery & { body: string }, endpoint: WebhookEndpoint, answer: string): Promise<string | undefined>;
  /** Whether an attempt that got an HTTP answer other than 2xx is tried again (false: only when no answer arrived). */
  retryAnswered: boolean;
}

export type DeliveryFormats = Partial<Record<Exclude<WebhookEndpoint['format'], 'standard'>, DeliveryFormat>>;
