/** `GET /nodes`: the cluster's nodes with their status, last heartbeat and accounts (404 on a single node). */
import type Router from '@koa/router';
import { ApiError } from './errors.js';
import type { ApiDeps } from './types.js';

export function nodesRoute(router: Router, deps: ApiDeps): void {
  router.get('/nodes', async (ctx) => {
    if (!deps.cluster) throw new ApiError(404, 'not_found', 'This weiroto is not a cluster (REDIS_URL is not set).');
    ctx.body = { items: await deps.cluster.nodes() };
  });
}
