/**
 * The webhook service: endpoints (create, update, rotate, delete), the outbox writer the bot calls
 * inside its transactions, the delivery worker, and the delivery log the panel and the API show.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../store/database.js';
import type { SecretBox } from '../store/secret-box.js';
import type { Logger } from '../logger.js';
import { systemClock, type Clock } from '../util/clock.js';
import { WEBHOOK_EVENT_TYPES } from '../bot/event-vocabulary.js';
import type { BotEvent, OutgoingContent, SendOptions } from '../bot/types.js';
import { createEndpointsRepo, type EndpointSource, type WebhookEndpoint } from './endpoints-repo.js';
import { createDeliveriesRepo, type DeliveryAttempt, type DeliveryStatus, type WebhookDelivery } from './deliveries-repo.js';
import { chatIdOfKey, chatKeyOf, matches, webhookBody, webhookIdFor, type OutboxEvent } from './events.js';
import { createMediaLinks, type MediaLinks } from './media-link.js';
import { generateSecret, isValidSecret, normaliseSecret } from './signature.js';
import { DEFAULT_WORKER_OPTIONS, DeliveryWorker, type WorkerOptions } from './worker.js';
import { safeFetch } from './safe-fetch.js';
import { httpUrlSchema, normaliseHttpUrl } from '../util/http-url.js';
import type { WebhookReply } from './reply.js';
import { WEBHOOK_FORMATS } from './endpoints-repo.js';
import type { DeliveryFormats } from './format.js';

/** Bad input for an endpoint or a delivery operation; `issues` are field-level messages. */
export class WebhookInputError extends Error {
  override readonly name = 'WebhookInputError';
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
    readonly status: 400 | 404 | 409 | 422 = 422,
  ) {
    super(message);
  }
}

const EVENT_TYPES = [...WEBHOOK_EVENT_TYPES, 'webhook.test'] as const;

const stringList = (max: number) => z.array(z.string().trim().min(1).max(max)).max(200);

/** The editable fields of an endpoint (the API and the panel validate with this). */
export const endpointInputSchema = z.strictObject({
  // The one URL parser: what is stored is what was checked and what will be called.
  url: httpUrlSchema,
  description: z.string().max(500).default(''),
  eventTypes: z.array(z.enum(EVENT_TYPES)).max(20).default([]),
  accounts: stringList(200).default([]),
  chats: stringList(200).default([]),
  keywords: stringList(200).default([]),
  includeSelf: z.boolean().default(false),
  enabled: z.boolean().default(true),
  format: z.enum(WEBHOOK_FORMATS).default('standard'),
});
export type EndpointInput = z.input<typeof endpointInputSchema>;
export const endpointPatchSchema = endpointInputSchema.partial().strict();

/** Sends a webhook's reply into a chat (the lead wires it to `manager.get(account).send(...)`). */
export type ReplySender = (account: string, chatId: string, content: OutgoingContent, options: SendOptions) => Promise<unknown>;

export interface WebhookServiceDeps {
  db: Db;
  box: SecretBox;
  log: Logger;
  clock?: Clock;
  /** Where weiroto is reachable from receivers (media links); without it media carry no URL. */
  publicUrl?: string | undefined;
  /** Let reply media URLs point at private and loopback addresses (API_ALLOW_PRIVATE_URLS). */
  allowPrivateUrls?: boolean;
  sendReply: ReplySender;
  worker?: Partial<Omit<WorkerOptions, 'retry' | 'breaker'>> & {
    retry?: Partial<WorkerOptions['retry']>;
    breaker?: Partial<WorkerOptions['breaker']>;
  };
  /** How long the old secret keeps signing after a rotation (default 24 h). */
  rotationOverlapMs?: number;
  /** Delivery formats other than Standard Webhooks (endpoints whose `format` names one). */
  formats?: DeliveryFormats;
}

export interface DeliveryPage {
  items: WebhookDelivery[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  next?: number;
}

export interface WebhookService {
  /** Synchronous: runs inside the bot's SQLite transaction and writes one outbox row per matching endpoint. */
  eventWriter: (e: BotEvent) => void;
  /** Start the delivery worker (until `stop()` or the signal aborts). */
  start(signal?: AbortSignal): void;
  /** Stop the worker; in-flight requests get a grace period, the rest stays queued in SQLite. */
  stop(): Promise<void>;
  mediaLinks: MediaLinks;

  listEndpoints(): (WebhookEndpoint & { breaker: 'closed' | 'open' | 'half-open'; counts: Record<DeliveryStatus, number> })[];
  getEndpoint(id: string): WebhookEndpoint | undefined;
  /** Create an endpoint; the secret (given or generated) is returned once. */
  createEndpoint(input: unknown, options?: { source?: EndpointSource; secret?: string }): { endpoint: WebhookEndpoint; secret: string };
  /**
   * Change an endpoint. A changed URL records who set it (`source`): a URL set through the API is
   * delivered with the address guard and its answers are not logged, whoever created the endpoint.
   */
  updateEndpoint(id: string, patch: unknown, options?: { source?: EndpointSource }): WebhookEndpoint;
  deleteEndpoint(id: string): boolean;
  /** A new secret (returned once); the old one keeps signing for `overlapMs` (default 24 h, 0 = stop now). */
  rotateSecret(id: string, options?: { overlapMs?: number; secret?: string }): { secret: string; oldSecretUntil?: number };
  /** WEBHOOK_URL / WEBHOOK_SECRET: make sure this endpoint exists and signs with this secret. */
  ensureEndpointFromConfig(url: string, secret?: string): WebhookEndpoint;

  listDeliveries(q?: { endpointId?: string; status?: DeliveryStatus; before?: number; limit?: number }): DeliveryPage;
  getDelivery(id: number): (WebhookDelivery & { body: string; attemptLog: DeliveryAttempt[] }) | undefined;
  attempts(id: number): DeliveryAttempt[];
  /** Queue a dead (or delivered) delivery again, same webhook id. */
  redeliver(id: number): WebhookDelivery;
  /** Queue every dead delivery (of one endpoint, or all) again. Returns how many. */
  redeliverDead(endpointId?: string): number;
  /** Queue a `webhook.test` event to one endpoint; returns its delivery. */
  sendTest(endpointId: string): WebhookDelivery;
}

function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new WebhookInputError(issues.map((i) => (i.path ? `${i.path}: ` : '') + i.message).join('; '), issues);
}

function loadMediaKey(db: Db, box: SecretBox): Buffer {
  const row = db.prepare(`select value from webhook_meta where key = 'media_key'`).get() as { value: string } | undefined;
  if (row) return Buffer.from(box.open(row.value), 'base64');
  const key = randomBytes(32);
  db.prepare(`insert or ignore into webhook_meta (key, value) values ('media_key', ?)`).run(box.seal(key.toString('base64')));
  const again = db.prepare(`select value from webhook_meta where key = 'media_key'`).get() as { value: string };
  return Buffer.from(box.open(again.value), 'base64');
}

/**
 * @example
 *   const webhooks = createWebhookService({ db: store.db, box: store.box, log, publicUrl, sendReply });
 *   const manager = new AccountManager({ ..., eventWriters: [webhooks.eventWriter] });
 *   webhooks.start();
 */
export function createWebhookService(deps: WebhookServiceDeps): WebhookService {
  const clock = deps.clock ?? systemClock;
  const log = deps.log.child({ ns: 'webhook' });
  const endpoints = createEndpointsRepo(deps.db, deps.box);
  const deliveries = createDeliveriesRepo(deps.db);
  const mediaLinks = createMediaLinks(loadMediaKey(deps.db, deps.box), deps.publicUrl, () => clock.now());
  const d = DEFAULT_WORKER_OPTIONS;
  const options: WorkerOptions = {
    ...d,
    ...deps.worker,
    retry: { ...d.retry, ...deps.worker?.retry },
    breaker: { ...d.breaker, ...deps.worker?.breaker },
  };
  const overlapDefault = deps.rotationOverlapMs ?? 86_400_000;

  const onReply = async (delivery: WebhookDelivery, reply: WebhookReply): Promise<void> => {
    const chatId = chatIdOfKey(delivery.account, delivery.chatKey);
    if (!delivery.account || !chatId) throw new Error('this event has no chat to reply to');
    let content: OutgoingContent;
    if (reply.type === 'text') content = { type: 'text', text: reply.text };
    else {
      const file = await safeFetch(reply.url, { allowPrivate: deps.allowPrivateUrls ?? false });
      content = { type: reply.type, file: { name: reply.name ?? file.fileName, data: file.data, ...(file.contentType && { mimeType: file.contentType }) } };
    }
    const body = JSON.parse(deliveries.get(delivery.id)?.body ?? '{}') as { data?: { id?: unknown } };
    const replyTo = delivery.eventType === 'message.received' && typeof body.data?.id === 'string' ? body.data.id : undefined;
    // The same webhook id and endpoint always make the same key: a redelivery never answers twice.
    await deps.sendReply(delivery.account, chatId, content, {
      idempotencyKey: `webhook:${delivery.endpointId}:${delivery.webhookId}`,
      source: 'webhook',
      ...(replyTo && { replyTo }),
    });
  };

  const worker = new DeliveryWorker({
    deliveries,
    endpoints,
    clock,
    log,
    onReply,
    options,
    ...(deps.formats && { formats: deps.formats }),
    ...(deps.allowPrivateUrls !== undefined && { allowPrivateUrls: deps.allowPrivateUrls }),
  });
  let cache: WebhookEndpoint[] | undefined;
  const active = (): WebhookEndpoint[] => (cache ??= endpoints.list().filter((e) => e.enabled));
  const changed = (): void => {
    cache = undefined;
  };
  let wakeScheduled = false;
  // The writer runs inside the caller's transaction: wake the worker only after it committed.
  const scheduleWake = (): void => {
    if (wakeScheduled) return;
    wakeScheduled = true;
    setImmediate(() => {
      wakeScheduled = false;
      worker.wake();
    });
  };

  const enqueue = (e: OutboxEvent, targets: WebhookEndpoint[]): number[] => {
    const at = clock.now();
    const ids: number[] = [];
    let body: string | undefined;
    for (const ep of targets) {
      body ??= webhookBody(e, (account, messageId) => mediaLinks.link(account, messageId));
      const id = deliveries.insert({
        webhookId: webhookIdFor(ep.id, e),
        endpointId: ep.id,
        eventType: e.type,
        account: e.account,
        chatKey: chatKeyOf(e),
        body,
        at,
        giveUpAt: at + options.retry.maxAgeMs,
      });
      if (id !== undefined) ids.push(id);
    }
    if (ids.length) scheduleWake();
    return ids;
  };

  let stopper: AbortController | undefined;
  let running: Promise<void> | undefined;

  const mustGet = (id: string): WebhookEndpoint => {
    const ep = endpoints.get(id);
    if (!ep) throw new WebhookInputError(`No webhook endpoint ${id}.`, [], 404);
    return ep;
  };

  const service: WebhookService = {
    eventWriter: (e) => {
      const targets = active().filter((ep) => matches(ep, e) && (ep.format === 'standard' || (deps.formats?.[ep.format]?.accepts(e, ep) ?? true)));
      if (targets.length) enqueue(e, targets);
    },
    start: (signal) => {
      if (running) return;
      stopper = new AbortController();
      const s = signal ? AbortSignal.any([signal, stopper.signal]) : stopper.signal;
      running = worker.run(s).catch((e: unknown) => log.error({ err: e }, 'webhook worker stopped with an error'));
    },
    stop: async () => {
      stopper?.abort();
      await running;
      running = undefined;
    },
    mediaLinks,

    listEndpoints: () => endpoints.list().map((e) => ({ ...e, breaker: worker.breakerState(e.id), counts: deliveries.counts(e.id) })),
    getEndpoint: (id) => endpoints.get(id),
    createEndpoint: (input, o = {}) => {
      const v = parseOrThrow(endpointInputSchema, input);
      if (o.secret !== undefined && !isValidSecret(o.secret)) {
        throw new WebhookInputError('secret must be whsec_ followed by base64 of at least 24 bytes', [{ path: 'secret', message: 'invalid secret' }]);
      }
      const secret = o.secret ?? generateSecret();
      const endpoint = endpoints.insert({ id: 'ep_' + randomUUID().replace(/-/g, '').slice(0, 16), ...v, source: o.source ?? 'panel' }, secret, clock.now());
      changed();
      log.info({ endpoint: endpoint.id, url: endpoint.url }, 'webhook endpoint created');
      return { endpoint, secret };
    },
    updateEndpoint: (id, patch, o = {}) => {
      const current = mustGet(id);
      const v = parseOrThrow(endpointPatchSchema, patch);
      const changes = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
      // Only a changed URL changes hands: saving the panel form of an API endpoint keeps it guarded.
      const newUrl = v.url !== undefined && v.url !== current.url;
      const updated = endpoints.update(id, { ...changes, ...(newUrl && { source: o.source ?? 'panel' }) }, clock.now())!;
      changed();
      worker.wake();
      return updated;
    },
    deleteEndpoint: (id) => {
      const ok = endpoints.remove(id);
      changed();
      return ok;
    },
    rotateSecret: (id, o = {}) => {
      mustGet(id);
      if (o.secret !== undefined && !isValidSecret(o.secret)) throw new WebhookInputError('secret must be whsec_ followed by base64 of at least 24 bytes');
      const overlap = o.overlapMs ?? overlapDefault;
      if (!Number.isFinite(overlap) || overlap < 0 || overlap > 30 * 86_400_000) {
        throw new WebhookInputError('overlapMs must be between 0 and 30 days', [{ path: 'overlapMs', message: 'out of range' }]);
      }
      const secret = o.secret ?? generateSecret();
      const now = clock.now();
      endpoints.rotate(id, secret, now + overlap, now);
      log.info({ endpoint: id, overlapMs: overlap }, 'webhook secret rotated');
      return { secret, ...(overlap > 0 && { oldSecretUntil: now + overlap }) };
    },
    ensureEndpointFromConfig: (configured, secret) => {
      const url = normaliseHttpUrl(configured);
      const wanted = secret === undefined ? undefined : normaliseSecret(secret);
      const existing = endpoints.byUrl(url);
      if (existing) {
        // WEBHOOK_URL names it: the URL is the operator's now, whoever registered it first.
        if (existing.source !== 'config') endpoints.update(existing.id, { source: 'config' }, clock.now());
        if (wanted !== undefined && endpoints.currentSecret(existing.id) !== wanted) {
          endpoints.rotate(existing.id, wanted, 0, clock.now());
          log.info({ endpoint: existing.id }, 'webhook endpoint secret set from WEBHOOK_SECRET');
        }
        return existing;
      }
      const { endpoint } = service.createEndpoint({ url, description: 'from WEBHOOK_URL' }, { source: 'config', ...(wanted && { secret: wanted }) });
      if (wanted === undefined)
        log.warn({ endpoint: endpoint.id }, 'WEBHOOK_URL without WEBHOOK_SECRET: a secret was generated; rotate it in the panel to see it');
      return endpoint;
    },

    listDeliveries: (q = {}) => {
      const limit = Math.max(1, Math.min(200, Math.floor(q.limit ?? 50)));
      const items = deliveries.list({ ...q, limit: limit + 1 });
      const more = items.length > limit;
      const page = items.slice(0, limit);
      return { items: page, ...(more && { next: page[page.length - 1]!.id }) };
    },
    getDelivery: (id) => {
      const row = deliveries.get(id);
      return row ? { ...row, attemptLog: deliveries.attempts(id) } : undefined;
    },
    attempts: (id) => deliveries.attempts(id),
    redeliver: (id) => {
      const row = deliveries.get(id);
      if (!row) throw new WebhookInputError(`No delivery ${id}.`, [], 404);
      const now = clock.now();
      if (!deliveries.redeliver(id, now, now + options.retry.maxAgeMs)) {
        throw new WebhookInputError(`Delivery ${id} is ${row.status}; only dead or delivered ones can be sent again.`, [], 409);
      }
      worker.wake();
      return deliveries.get(id)!;
    },
    redeliverDead: (endpointId) => {
      if (endpointId !== undefined) mustGet(endpointId);
      const now = clock.now();
      const n = deliveries.redeliverDead(endpointId, now, now + options.retry.maxAgeMs);
      if (n) worker.wake();
      return n;
    },
    sendTest: (endpointId) => {
      const ep = mustGet(endpointId);
      const e: OutboxEvent = {
        type: 'webhook.test',
        account: '',
        at: clock.now(),
        data: { message: 'A test event from weiroto.', endpoint: ep.id },
      };
      const [id] = enqueue(e, [ep]);
      worker.wake();
      return deliveries.get(id!)!;
    },
  };
  return service;
}

/**
 * A ReplySender over anything with `get(account)?.send(...)` (the AccountManager).
 *
 * @example
 *   createWebhookService({ ..., sendReply: replySenderFor(() => manager) });
 */
export function replySenderFor(
  manager: () => { get(id: string): { send(to: { id: string }, c: OutgoingContent, o: SendOptions): Promise<unknown> } | undefined },
): ReplySender {
  return async (account, chatId, content, options) => {
    const bot = manager().get(account);
    if (!bot) throw new Error(`no account ${account}`);
    await bot.send({ id: chatId }, content, options);
  };
}
