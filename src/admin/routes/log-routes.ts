/** Logs and health: recent plugin errors and failed sends per account, and the audit log. */
import type { RouteDef } from '../router.js';
import { page, type Services } from '../services.js';

export function logRoutes(s: Services): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/logs',
      access: 'viewer',
      handler: async (ctx) => {
        const accounts = s.deps.manager.list();
        const only = typeof ctx.query.account === 'string' ? ctx.query.account : '';
        const plugin = typeof ctx.query.plugin === 'string' && ctx.query.plugin ? ctx.query.plugin : undefined;
        const shown = accounts.filter((a) => !only || a.id === only);
        const errors = (await Promise.all(shown.map((a) => s.deps.store.pluginErrors.list(a.id, { ...(plugin && { plugin }), limit: 50 }))))
          .flat()
          .sort((a, b) => b.at - a.at)
          .slice(0, 100);
        const failedSends = (await Promise.all(shown.map((a) => s.deps.store.outbound.list(a.id, { status: 'failed', limit: 20 }))))
          .flat()
          .sort((a, b) => b.createdAt - a.createdAt)
          .slice(0, 50);
        const problems = shown.filter((a) => a.state === 'failed' || a.state === 'logged-out');
        const transportOf = (id: string): string | undefined => accounts.find((a) => a.id === id)?.transport;
        page(s, ctx, 'logs', { title: ctx.state.t('logs.title'), errors, failedSends, problems, only, plugin: plugin ?? '', list: accounts, transportOf });
      },
    },
    {
      method: 'GET',
      path: '/audit',
      access: 'admin',
      handler: async (ctx) => {
        const before = Number(ctx.query.before);
        const entries = await s.deps.store.audit.list({ limit: 100, ...(Number.isFinite(before) && before > 0 && { before }) });
        page(s, ctx, 'audit', { title: ctx.state.t('audit.title'), entries });
      },
    },
  ];
}
