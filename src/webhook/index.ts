/** Webhooks out: a durable, signed outbox (Standard Webhooks) with retries, a delivery log and replies. */
export {
  createWebhookService,
  replySenderFor,
  endpointInputSchema,
  endpointPatchSchema,
  WebhookInputError,
  type WebhookService,
  type WebhookServiceDeps,
  type ReplySender,
  type EndpointInput,
  type DeliveryPage,
} from './service.js';
export type { WebhookEndpoint, EndpointFilters, EndpointSource, WebhookDelivery, DeliveryAttempt, DeliveryStatus } from './records.js';
export type { WorkerOptions, DeliveryJobs, EndpointSlots, DeliveryWorker } from './worker.js';
export type { WebhookReply } from './reply.js';
export type { MediaLinks } from './media-link.js';
export { generateSecret, sign, signedHeaders, verifySignature, isValidSecret, normaliseSecret } from './signature.js';
export { safeFetch, type FetchedFile } from './safe-fetch.js';
export { createEventLog, type EventLog, type LoggedEvent, type EventLogQuery } from './event-log.js';
export { createCommitSignal, type CommitSignal } from './commit-signal.js';
export { WEBHOOK_FORMATS, type WebhookFormat } from './records.js';
export type { DeliveryFormat, DeliveryFormats, FormattedRequest } from './format.js';
export { webhookBody } from './events.js';
