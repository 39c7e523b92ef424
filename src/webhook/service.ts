/**
 * The webhook service: endpoints (create, update, rotate, delete), the outbox writer the bot calls
 * inside its transactions, the delivery worker, and the delivery log the panel and the API show.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Repos, WebhookDeliveriesRepo, WebhookEndpointsRepo } from '../store/index.js';
import type { Logger } from '../logger.js';
import { systemClock, type Clock } from '../util/clock.js';
import { WEBHOOK_EVENT_TYPES } from '../bot/event-vocabulary.js';
import { NOTHING_WRITTEN } from '../bot/event-writers.js';
import type { BotEvent, OutgoingContent, SendOptions } from '../bot/types.js';
import { WEBHOOK_FORMATS, type DeliveryAttempt, type DeliveryStatus, type EndpointSource, type WebhookDelivery, type WebhookEndpoint } from './records.js';
import { chatIdOfKey, chatKeyOf, matches, webhookBody, webhookIdFor, type OutboxEvent } from './events.js';
import { createMediaLinks, type MediaLinks } from './media-link.js';
import { generateSecret, isValidSecret, normaliseSecret } from './signature.js';
import { DEFAULT_WORKER_OPTIONS, DeliveryWorker, type DeliveryJobs, type WorkerOptions } from './worker.js';
import { safeFetch } from './safe-fetch.js';
import { httpUrlSchema, normaliseHttpUrl } from '../util/http-url.js';
import type { WebhookReply } from './reply.js';
import type { CommitSignal } from './commit-signal.js';
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

/** How long the enabled endpoints are used as read: a change made on another node applies within this. */
export const ENDPOINTS_FRESH_MS = 2000;

export interface WebhookServiceDeps {
  /** The store's webhook repositories, and its settings for the media-link key. */
  store: Pick<Repos, 'webhookEndpoints' | 'webhookDeliveries' | 'settings'>;
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
  /** In a cluster (REDIS_URL): deliveries run as jobs on any node. */
  jobs?: DeliveryJobs;
  /**
   * Woken after each committed event (src/main.ts): the worker looks for the event's deliveries then. Without it the
   * writer wakes the worker a turn after its write, which is after the COMMIT only where the store's reads wait for
   * it (SQLite: one connection, in order).
   */
  committed?: CommitSignal;
}

export interface DeliveryPage {
  items: WebhookDelivery[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  next?: number;
}

export interface WebhookService {
  /**
   * Runs inside the bot's transaction and writes one outbox row per matching endpoint through its
   * `tx`: the row commits with the event it describes, or neither does.
   */
  eventWriter: (e: BotEvent, tx: Repos) => Promise<void>;
  /** Start the delivery worker (until `stop()` or the signal aborts). */
  start(signal?: AbortSignal): void;
  /** Stop the worker; in-flight requests get a grace period, the rest stays queued in SQLite. */
  stop(): Promise<void>;
  mediaLinks: MediaLinks;

  listEndpoints(): Promise<(WebhookEndpoint & { breaker: 'closed' | 'open' | 'half-open'; counts: Record<DeliveryStatus, number> })[]>;
  getEndpoint(id: string): Promise<WebhookEndpoint | undefined>;
  /** Create an endpoint; the secret (given or generated) is returned once. */
  createEndpoint(input: unknown, options?: { source?: EndpointSource; secret?: string }): Promise<{ endpoint: WebhookEndpoint; secret: string }>;
  /**
   * Change an endpoint. A changed URL records who set it (`source`): a URL set through the API is
   * delivered with the address guard and its answers are not logged, whoever created the endpoint.
   */
  updateEndpoint(id: string, patch: unknown, options?: { source?: EndpointSource }): Promise<WebhookEndpoint>;
  deleteEndpoint(id: string): Promise<boolean>;
  /** A new secret (returned once); the old one keeps signing for `overlapMs` (default 24 h, 0 = stop now). */
  rotateSecret(id: string, options?: { overlapMs?: number; secret?: string }): Promise<{ secret: string; oldSecretUntil?: number }>;
  /** WEBHOOK_URL / WEBHOOK_SECRET: make sure this endpoint exists and signs with this secret. */
  ensureEndpointFromConfig(url: string, secret?: string): Promise<WebhookEndpoint>;

  listDeliveries(q?: { endpointId?: string; status?: DeliveryStatus; before?: number; limit?: number }): Promise<DeliveryPage>;
  getDelivery(id: number): Promise<(WebhookDelivery & { body: string; attemptLog: DeliveryAttempt[] }) | undefined>;
  attempts(id: number): Promise<DeliveryAttempt[]>;
  /** Queue a dead (or delivered) delivery again, same webhook id. */
  redeliver(id: number): Promise<WebhookDelivery>;
  /** Queue every dead delivery (of one endpoint, or all) again. Returns how many. */
  redeliverDead(endpointId?: string): Promise<number>;
  /** Queue a `webhook.test` event to one endpoint; returns its delivery. */
  sendTest(endpointId: string): Promise<WebhookDelivery>;
}

function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new WebhookInputError(issues.map((i) => (i.path ? `${i.path}: ` : '') + i.message).join('; '), issues);
}

/**
 * @example
 *   const webhooks = await createWebhookService({ store, log, publicUrl, sendReply });
 *   const manager = new AccountManager({ ..., eventWriters: [webhooks.eventWriter] });
 *   webhooks.start();
 */
export async function createWebhookService(deps: WebhookServiceDeps): Promise<WebhookService> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log.child({ ns: 'webhook' });
  const endpoints: WebhookEndpointsRepo = deps.store.webhookEndpoints;
  const deliveries: WebhookDeliveriesRepo = deps.store.webhookDeliveries;
  const mediaLinks = createMediaLinks(await deps.store.settings.secretKey('webhook.media-key'), deps.publicUrl, () => clock.now());
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
    const body = JSON.parse((await deliveries.get(delivery.id))?.body ?? '{}') as { data?: { id?: unknown } };
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
    ...(deps.jobs && { jobs: deps.jobs }),
  });
  // The enabled endpoints, read once per change made here, and again after ENDPOINTS_FRESH_MS (another node sharing
  // the store may have changed them). A change while a read is under way makes that read's result stale: it is used
  // once but not kept.
  let cache: WebhookEndpoint[] | undefined;
  let cachedAt = 0;
  let generation = 0;
  const active = async (repo: WebhookEndpointsRepo): Promise<WebhookEndpoint[]> => {
    if (cache && clock.now() - cachedAt < ENDPOINTS_FRESH_MS) return cache;
    const seen = generation;
    const at = clock.now();
    const list = (await repo.list()).filter((e) => e.enabled);
    if (seen === generation) {
      cache = list;
      cachedAt = at;
    }
    return list;
  };
  const changed = (): void => {
    cache = undefined;
    generation++;
  };
  // Whether an enabled endpoint may exist (not known to be none from a fresh read): else no event wrote a delivery.
  const mayHaveTargets = (): boolean => !(cache?.length === 0 && clock.now() - cachedAt < ENDPOINTS_FRESH_MS);
  // The writer runs inside the caller's transaction: the worker looks once that committed. Another node's events
  // wake no worker here: that node's worker queues their deliveries (and this one finds them at its next poll).
  deps.committed?.onWake((elsewhere) => {
    if (!elsewhere && mayHaveTargets()) worker.wake();
  });
  let wakeScheduled = false;
  const scheduleWake = (): void => {
    if (wakeScheduled || deps.committed) return;
    wakeScheduled = true;
    setImmediate(() => {
      wakeScheduled = false;
      worker.wake();
    });
  };

  /** Write one outbox row per target, through `rows` (the caller's transaction, or the store). */
  const enqueue = async (e: OutboxEvent, targets: WebhookEndpoint[], rows: WebhookDeliveriesRepo): Promise<number[]> => {
    const at = clock.now();
    const ids: number[] = [];
    let body: string | undefined;
    for (const ep of targets) {
      body ??= webhookBody(e, (account, messageId) => mediaLinks.link(account, messageId));
      const id = await rows.insert({
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

  const mustGet = async (id: string): Promise<WebhookEndpoint> => {
    const ep = await endpoints.get(id);
    if (!ep) throw new WebhookInputError(`No webhook endpoint ${id}.`, [], 404);
    return ep;
  };

  const writeEvent = async (e: BotEvent, tx: Repos): Promise<void> => {
    const targets: WebhookEndpoint[] = [];
    for (const ep of await active(tx.webhookEndpoints)) {
      if (!matches(ep, e)) continue;
      const format = ep.format === 'standard' ? undefined : deps.formats?.[ep.format];
      if (!format || (await format.accepts(e, ep, tx.webhookDeliveries))) targets.push(ep);
    }
    if (targets.length) await enqueue(e, targets, tx.webhookDeliveries);
  };

  const service: WebhookService = {
    // No endpoint enabled (known from a fresh cache: another node may have made one since an older read): nothing to
    // write, no promise made for it, and none waited on (this runs for every event of every account: three times per
    // echoed message).
    eventWriter: (e, tx) => (mayHaveTargets() ? writeEvent(e, tx) : NOTHING_WRITTEN),
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

    listEndpoints: async () =>
      Promise.all((await endpoints.list()).map(async (e) => ({ ...e, breaker: worker.breakerState(e.id), counts: await deliveries.counts(e.id) }))),
    getEndpoint: (id) => endpoints.get(id),
    createEndpoint: async (input, o = {}) => {
      const v = parseOrThrow(endpointInputSchema, input);
      if (o.secret !== undefined && !isValidSecret(o.secret)) {
        throw new WebhookInputError('secret must be whsec_ followed by base64 of at least 24 bytes', [{ path: 'secret', message: 'invalid secret' }]);
      }
      const secret = o.secret ?? generateSecret();
      const endpoint = await endpoints.insert(
        { id: 'ep_' + randomUUID().replace(/-/g, '').slice(0, 16), ...v, source: o.source ?? 'panel' },
        secret,
        clock.now(),
      );
      changed();
      log.info({ endpoint: endpoint.id, url: endpoint.url }, 'webhook endpoint created');
      return { endpoint, secret };
    },
    updateEndpoint: async (id, patch, o = {}) => {
      const current = await mustGet(id);
      const v = parseOrThrow(endpointPatchSchema, patch);
      const changes = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
      // Only a changed URL changes hands: saving the panel form of an API endpoint keeps it guarded.
      const newUrl = v.url !== undefined && v.url !== current.url;
      const updated = (await endpoints.update(id, { ...changes, ...(newUrl && { source: o.source ?? 'panel' }) }, clock.now()))!;
      changed();
      worker.wake();
      return updated;
    },
    deleteEndpoint: async (id) => {
      const ok = await endpoints.remove(id);
      changed();
      return ok;
    },
    rotateSecret: async (id, o = {}) => {
      await mustGet(id);
      if (o.secret !== undefined && !isValidSecret(o.secret)) throw new WebhookInputError('secret must be whsec_ followed by base64 of at least 24 bytes');
      const overlap = o.overlapMs ?? overlapDefault;
      if (!Number.isFinite(overlap) || overlap < 0 || overlap > 30 * 86_400_000) {
        throw new WebhookInputError('overlapMs must be between 0 and 30 days', [{ path: 'overlapMs', message: 'out of range' }]);
      }
      const secret = o.secret ?? generateSecret();
      const now = clock.now();
      await endpoints.rotate(id, secret, now + overlap, now);
      log.info({ endpoint: id, overlapMs: overlap }, 'webhook secret rotated');
      return { secret, ...(overlap > 0 && { oldSecretUntil: now + overlap }) };
    },
    ensureEndpointFromConfig: async (configured, secret) => {
      const url = normaliseHttpUrl(configured);
      const wanted = secret === undefined ? undefined : normaliseSecret(secret);
      const existing = await endpoints.byUrl(url);
      if (existing) {
        // WEBHOOK_URL names it: the URL is the operator's now, whoever registered it first.
        if (existing.source !== 'config') await endpoints.update(existing.id, { source: 'config' }, clock.now());
        if (wanted !== undefined && (await endpoints.currentSecret(existing.id)) !== wanted) {
          await endpoints.rotate(existing.id, wanted, 0, clock.now());
          log.info({ endpoint: existing.id }, 'webhook endpoint secret set from WEBHOOK_SECRET');
        }
        changed();
        return existing;
      }
      const { endpoint } = await service.createEndpoint({ url, description: 'from WEBHOOK_URL' }, { source: 'config', ...(wanted && { secret: wanted }) });
      if (wanted === undefined)
        log.warn({ endpoint: endpoint.id }, 'WEBHOOK_URL without WEBHOOK_SECRET: a secret was generated; rotate it in the panel to see it');
      return endpoint;
    },

    listDeliveries: async (q = {}) => {
      const limit = Math.max(1, Math.min(200, Math.floor(q.limit ?? 50)));
      const items = await deliveries.list({ ...q, limit: limit + 1 });
      const more = items.length > limit;
      const page = items.slice(0, limit);
      return { items: page, ...(more && { next: page[page.length - 1]!.id }) };
    },
    getDelivery: async (id) => {
      const row = await deliveries.get(id);
      return row ? { ...row, attemptLog: await deliveries.attempts(id) } : undefined;
    },
    attempts: (id) => deliveries.attempts(id),
    redeliver: async (id) => {
      const row = await deliveries.get(id);
      if (!row) throw new WebhookInputError(`No delivery ${id}.`, [], 404);
      const now = clock.now();
      if (!(await deliveries.redeliver(id, now, now + options.retry.maxAgeMs))) {
        throw new WebhookInputError(`Delivery ${id} is ${row.status}; only dead or delivered ones can be sent again.`, [], 409);
      }
      worker.wake();
      return (await deliveries.get(id))!;
    },
    redeliverDead: async (endpointId) => {
      if (endpointId !== undefined) await mustGet(endpointId);
      const now = clock.now();
      const n = await deliveries.redeliverDead(endpointId, now, now + options.retry.maxAgeMs);
      if (n) worker.wake();
      return n;
    },
    sendTest: async (endpointId) => {
      const ep = await mustGet(endpointId);
      const e: OutboxEvent = {
        type: 'webhook.test',
        account: '',
        at: clock.now(),
        data: { message: 'A test event from weiroto.', endpoint: ep.id },
      };
      const [id] = await enqueue(e, [ep], deliveries);
      worker.wake();
      return (await deliveries.get(id!))!;
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
