/** Webhook endpoints and their delivery log over the API (the same service functions the panel uses). */
import type Router from '@koa/router';
import type Koa from 'koa';
import { z } from 'zod';
import { checkHostResolvesPublic } from '../util/outbound-guard.js';
import { parseHttpUrl } from '../util/http-url.js';
import type { DeliveryStatus } from '../webhook/records.js';
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

async function endpointOf(deps: ApiDeps, ctx: Koa.Context): Promise<string> {
  const id = String(ctx.params.id);
  if (!(await deps.webhooks.getEndpoint(id))) throw new ApiError(404, 'not_found', `No webhook endpoint ${id}.`);
  return id;
}

async function deliveryOf(deps: ApiDeps, ctx: Koa.Context, endpointId: string): Promise<number> {
  const n = Number(ctx.params.deliveryId);
  const d = Number.isInteger(n) ? await deps.webhooks.getDelivery(n) : undefined;
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

  router.get('/webhooks', async (ctx) => {
    ctx.body = { items: await w.listEndpoints() };
  });

  router.post('/webhooks', async (ctx) => {
    await checkTarget(deps, ctx.request.body);
    const { endpoint, secret } = await w.createEndpoint(ctx.request.body ?? {}, { source: 'api' });
    ctx.status = 201;
    ctx.body = { ...endpoint, secret };
  });

  router.get('/webhooks/:id', async (ctx) => {
    const id = await endpointOf(deps, ctx);
    ctx.body = (await w.listEndpoints()).find((e) => e.id === id);
  });

  router.patch('/webhooks/:id', async (ctx) => {
    const id = await endpointOf(deps, ctx);
    await checkTarget(deps, ctx.request.body);
    ctx.body = await w.updateEndpoint(id, ctx.request.body ?? {}, { source: 'api' });
  });

  router.delete('/webhooks/:id', async (ctx) => {
    await w.deleteEndpoint(await endpointOf(deps, ctx));
    ctx.status = 204;
  });

  router.post('/webhooks/:id/rotate', async (ctx) => {
    const id = await endpointOf(deps, ctx);
    const body = rotateBody.safeParse(ctx.request.body ?? {});
    if (!body.success) throw new ApiError(422, 'invalid', 'overlapSeconds must be an integer from 0 to 2592000.');
    const r = await w.rotateSecret(id, body.data.overlapSeconds === undefined ? {} : { overlapMs: body.data.overlapSeconds * 1000 });
    ctx.body = r;
  });

  router.post('/webhooks/:id/test', async (ctx) => {
    const delivery = await w.sendTest(await endpointOf(deps, ctx));
    ctx.status = 202;
    ctx.body = delivery;
  });

  router.get('/webhooks/:id/deliveries', async (ctx) => {
    const endpointId = await endpointOf(deps, ctx);
    const status = ctx.query.status;
    if (status !== undefined && (typeof status !== 'string' || !STATUSES.includes(status))) {
      throw new ApiError(400, 'bad_request', `status must be one of ${STATUSES.join(', ')}.`);
    }
    const c = decodeCursor(ctx.query.cursor as string | undefined);
    const before = c === undefined ? undefined : Number(c.b);
    if (before !== undefined && !Number.isInteger(before)) throw new ApiError(400, 'bad_cursor', 'The cursor is not one this API gave out.');
    const page = await w.listDeliveries({
      endpointId,
      ...(status && { status: status as DeliveryStatus }),
      ...(before !== undefined && { before }),
      limit: limitOf(ctx.query.limit),
    });
    ctx.body = { items: page.items, ...(page.next !== undefined && { next: encodeCursor({ b: page.next }) }) };
  });

  router.get('/webhooks/:id/deliveries/:deliveryId', async (ctx) => {
    const endpointId = await endpointOf(deps, ctx);
    ctx.body = await w.getDelivery(await deliveryOf(deps, ctx, endpointId));
  });

  router.post('/webhooks/:id/deliveries/:deliveryId/redeliver', async (ctx) => {
    const endpointId = await endpointOf(deps, ctx);
    const delivery = await w.redeliver(await deliveryOf(deps, ctx, endpointId));
    ctx.status = 202;
    ctx.body = delivery;
  });

  router.post('/webhooks/:id/redeliver-dead', async (ctx) => {
    const queued = await w.redeliverDead(await endpointOf(deps, ctx));
    ctx.status = 202;
    ctx.body = { queued };
  });
}
