/**
 * The webhook service (src/webhook) as the panel uses it: one small interface for the routes.
 * Input errors from the service (WebhookInputError with issues) become 422s with its messages.
 */
import type { WebhookService } from '../webhook/index.js';
import { WEBHOOK_EVENT_TYPES } from '../bot/event-vocabulary.js';
import type { WebhookDeliveryView, WebhookEndpointView } from './deps.js';

export interface EndpointInput {
  url: string;
  description: string;
  eventTypes: string[];
  accounts: string[];
  chats: string[];
  keywords: string[];
  includeSelf: boolean;
  enabled: boolean;
}

export interface WebhooksAdapter {
  list(): Promise<(WebhookEndpointView & { counts?: Record<string, number> })[]>;
  get(id: string): Promise<WebhookEndpointView | undefined>;
  /** Returns the endpoint and its secret (shown once). */
  create(input: EndpointInput): Promise<{ endpoint: WebhookEndpointView; secret: string }>;
  update(id: string, input: Partial<EndpointInput>): Promise<void>;
  remove(id: string): Promise<void>;
  rotate(id: string): Promise<string>;
  deliveries(endpointId: string | undefined, limit: number): Promise<WebhookDeliveryView[]>;
  redeliver(deliveryId: string): Promise<void>;
  test(endpointId: string): Promise<void>;
  countsByStatus(): Promise<Record<string, number>>;
  eventTypes(): string[];
}

const EVENT_TYPES: readonly string[] = WEBHOOK_EVENT_TYPES;

/** An error the panel shows as a 422 with the service's own words. */
function asInputError(e: unknown): never {
  const err = e as Error & { issues?: unknown; status?: number };
  if (err && err.name === 'WebhookInputError') throw Object.assign(new Error(err.message), { status: err.status ?? 422, expose: true });
  throw e;
}

function isService(s: unknown): s is WebhookService {
  return !!s && typeof s === 'object' && typeof (s as WebhookService).listEndpoints === 'function' && typeof (s as WebhookService).sendTest === 'function';
}

/** Wrap the webhook service, or undefined when none was given (the pages then say so). */
export function adaptWebhooks(service: unknown): WebhooksAdapter | undefined {
  if (!isService(service)) return undefined;
  const svc = service;
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      return asInputError(e);
    }
  };
  return {
    list: () => svc.listEndpoints(),
    get: (id) => svc.getEndpoint(id),
    create: async (input) => guard(() => svc.createEndpoint(input, { source: 'panel' })),
    update: async (id, input) => void (await guard(() => svc.updateEndpoint(id, input, { source: 'panel' }))),
    remove: async (id) => {
      if (!(await svc.deleteEndpoint(id))) throw Object.assign(new Error('no such endpoint'), { status: 404, expose: true });
    },
    rotate: async (id) => (await guard(() => svc.rotateSecret(id))).secret,
    deliveries: async (endpointId, limit) =>
      (await svc.listDeliveries({ ...(endpointId && { endpointId }), limit })).items.map((d) => ({ ...d, id: String(d.id) })),
    redeliver: async (id) => {
      const n = Number(id);
      if (!Number.isInteger(n)) throw Object.assign(new Error('no such delivery'), { status: 404, expose: true });
      await guard(() => svc.redeliver(n));
    },
    test: async (id) => void (await guard(() => svc.sendTest(id))),
    countsByStatus: async () => {
      const total: Record<string, number> = {};
      for (const e of await svc.listEndpoints()) for (const [k, v] of Object.entries(e.counts)) total[k] = (total[k] ?? 0) + v;
      return total;
    },
    eventTypes: () => [...EVENT_TYPES],
  };
}
