/**
 * A plugin's "Test connection" (the AI plugin's model endpoint): one call with the saved settings
 * through the plugin's own guarded client, answered with what came back or the exact error. The
 * plugin page's small form posts here; with JavaScript the answer shows in place (JSON), without it
 * on a page of its own.
 */
import { fail, type RouteDef } from '../router.js';
import { audit, botOf, page, pluginsOf, sayOf, type Services } from '../services.js';

export function pluginTestRoutes(s: Services): RouteDef[] {
  return [
    {
      method: 'POST',
      path: '/accounts/:id/plugins/:name/test',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const host = pluginsOf(s, bot);
        const plugin = host.list().find((p) => p.name === ctx.state.params.name);
        if (!plugin?.testable || !host.probe) fail(ctx, 404, ctx.state.t('error.noPlugin'));
        const result = await host.probe(plugin.name);
        await audit(s, ctx, 'plugin.test', `${bot.id}/${plugin.name}`, { ok: result.ok });
        if (ctx.accepts('html', 'json') === 'json') {
          // `said`: the failure in the page's language, in pieces with its data marked (`error` stays the exact English).
          ctx.body = result.ok ? result : { ...result, said: sayOf(s, ctx.state.locale)(result.error, result.phrase, plugin.name) };
          return;
        }
        page(s, ctx, 'plugin-test', { title: ctx.state.t('probe.title'), info: bot.info(), plugin, result });
      },
    },
  ];
}
