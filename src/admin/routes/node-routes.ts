/** Cluster (REDIS_URL): the Nodes page, each node with its state, last heartbeat and the accounts it runs. */
import type { RouteDef } from '../router.js';
import { fail } from '../router.js';
import { page, type Services } from '../services.js';

export function nodeRoutes(s: Services): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/nodes',
      access: 'viewer',
      handler: async (ctx) => {
        const cluster = s.deps.cluster;
        // A single node has no Nodes page (nor a menu entry for one).
        if (!cluster) fail(ctx, 404, ctx.state.t('error.notFound'));
        page(s, ctx, 'nodes', { title: ctx.state.t('nodes.title'), nodes: await cluster.nodes(), here: cluster.node, now: s.clock.now() });
      },
    },
  ];
}
