/** Webhook endpoints and their delivery log over the API (the same service functions the panel uses). */
import type Router from '@koa/router';
import type Koa from 'koa';
import { z } from 'zod';
import { checkHostResolvesPublic } from '../util/outbound-guard.js';
import { parseHttpUrl } from '../util/http-url.js';
import type { DeliveryStatus } from '../webhook/deliveries-repo.js';
import { ApiError } from './errors.js';
import { decodeCursor, encodeCursor, limitOf } from './paging.js';
import type { ApiDeps } from './types.js';

const rotateBody = z.strictObject({
  overlapSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .optional(),
});
const STATUSES = ['pending', 'delivering', 'delivered', 'dead'];

function endpointOf(deps: ApiDeps, ctx: Koa.Context): string {
  const id = String(ctx.params.id);
  if (!deps.webhooks.getEndpoint(id)) throw new ApiError(404, 'not_found', `No webhook endpoint ${id}.`);
  return id;
}

function deliveryOf(deps: ApiDeps, ctx: Koa.Context, endpointId: string): number {
  const n = Number(ctx.params.deliveryId);
  const d = Number.isInteger(n) ? deps.webhooks.getDelivery(n) : undefined;
  if (!d || d.endpointId !== endpointId) throw new ApiError(404, 'not_found', `No delivery ${String(ctx.params.deliveryId)} for this endpoint.`);
  return n;
}

/**
 * A URL set through the API may not point into this machine's network (unless allowed). It is
 * checked in its parsed form, the one that is stored and called; a URL that does not parse is
 * left to the schema, which reports it.
 */
async function checkTarget(deps: ApiDeps, body: unknown): Promise<void> {
  const url = (body as { url?: unknown } | undefined)?.url;
  if (typeof url !== 'string' || deps.config.apiAllowPrivateUrls) return;
  try {
    parseHttpUrl(url);
  } catch {
    return;
  }
  await checkHostResolvesPublic(url);
}

export function webhookRoutes(router: Router, deps: ApiDeps): void {
  const w = deps.webhooks;

  router.get('/webhooks', (ctx) => {
    ctx.body = { items: w.listEndpoints() };
  });

  router.post('/webhooks', async (ctx) => {
    await checkTarget(deps, ctx.request.body);
    const { endpoint, secret } = w.createEndpoint(ctx.request.body ?? {}, { source: 'api' });
    ctx.status = 201;
    ctx.body = { ...endpoint, secret };
  });

  router.get('/webhooks/:id', (ctx) => {
    const id = endpointOf(deps, ctx);
    ctx.body = w.listEndpoints().find((e) => e.id === id);
  });

  router.patch('/webhooks/:id', async (ctx) => {
    const id = endpointOf(deps, ctx);
    await checkTarget(deps, ctx.request.body);
    ctx.body = w.updateEndpoint(id, ctx.request.body ?? {}, { source: 'api' });
  });

  router.delete('/webhooks/:id', (ctx) => {
    w.deleteEndpoint(endpointOf(deps, ctx));
    ctx.status = 204;
  });

  router.post('/webhooks/:id/rotate', (ctx) => {
    const id = endpointOf(deps, ctx);
    const body = rotateBody.safeParse(ctx.request.body ?? {});
    if (!body.success) throw new ApiError(422, 'invalid', 'overlapSeconds must be an integer from 0 to 2592000.');
    const r = w.rotateSecret(id, body.data.overlapSeconds === undefined ? {} : { overlapMs: body.data.overlapSeconds * 1000 });
    ctx.body = r;
  });

  router.post('/webhooks/:id/test', (ctx) => {
    ctx.status = 202;
    ctx.body = w.sendTest(endpointOf(deps, ctx));
  });

  router.get('/webhooks/:id/deliveries', (ctx) => {
    const endpointId = endpointOf(deps, ctx);
    const status = ctx.query.status;
    if (status !== undefined && (typeof status !== 'string' || !STATUSES.includes(status))) {
      throw new ApiError(400, 'bad_request', `status must be one of ${STATUSES.join(', ')}.`);
    }
    const c = decodeCursor(ctx.query.cursor as string | undefined);
    const before = c === undefined ? undefined : Number(c.b);
    if (before !== undefined && !Number.isInteger(before)) throw new ApiError(400, 'bad_cursor', 'The cursor is not one this API gave out.');
    const page = w.listDeliveries({
      endpointId,
      ...(status && { status: status as DeliveryStatus }),
      ...(before !== undefined && { before }),
      limit: limitOf(ctx.query.limit),
    });
    ctx.body = { items: page.items, ...(page.next !== undefined && { next: encodeCursor({ b: page.next }) }) };
  });

  router.get('/webhooks/:id/deliveries/:deliveryId', (ctx) => {
    const endpointId = endpointOf(deps, ctx);
    ctx.body = w.getDelivery(deliveryOf(deps, ctx, endpointId));
  });

  router.post('/webhooks/:id/deliveries/:deliveryId/redeliver', (ctx) => {
    const endpointId = endpointOf(deps, ctx);
    ctx.status = 202;
    ctx.body = w.redeliver(deliveryOf(deps, ctx, endpointId));
  });

  router.post('/webhooks/:id/redeliver-dead', (ctx) => {
    ctx.status = 202;
    ctx.body = { queued: w.redeliverDead(endpointOf(deps, ctx)) };
  });
}
