/**
 * Plugins per account: switch on/off, order, a settings form drawn from each plugin's schema (with
 * the schema's own validation messages), and a rules editor with JSON import/export for plugins
 * whose config holds a `rules` list (auto-reply).
 */
import type { AdminBot, AdminPluginState } from '../deps.js';
import { fail, type AdminContext, type RouteDef } from '../router.js';
import { configFromForm, formFields, issuesOf, type FormField } from '../schema-form.js';
import { audit, back, botOf, field, page, pluginsOf, type Services } from '../services.js';

function pluginOf(s: Services, ctx: AdminContext, bot: AdminBot): AdminPluginState {
  const p = pluginsOf(s, bot)
    .list()
    .find((x) => x.name === ctx.state.params.name);
  if (!p) fail(ctx, 404, ctx.state.t('error.noPlugin'));
  return p;
}

function hasRules(schema: unknown): boolean {
  const props = (schema as { properties?: Record<string, { type?: string }> }).properties;
  return props?.rules?.type === 'array';
}

/** Split issues into per-field messages and the rest. */
function placeIssues(issues: { path: string; message: string }[], fields: FormField[]): { byField: Record<string, string>; other: string[] } {
  const byField: Record<string, string> = {};
  const other: string[] = [];
  for (const i of issues) {
    const top = i.path.split('.')[0] ?? '';
    if (fields.some((f) => f.name === top)) byField[top] = (byField[top] ? byField[top] + '; ' : '') + (i.path === top ? i.message : `${i.path}: ${i.message}`);
    else other.push(i.path ? `${i.path}: ${i.message}` : i.message);
  }
  return { byField, other };
}

export function pluginRoutes(s: Services): RouteDef[] {
  const base = (bot: AdminBot): string => `/accounts/${encodeURIComponent(bot.id)}/plugins`;
  const toggle = (on: boolean): RouteDef => ({
    method: 'POST',
    path: `/accounts/:id/plugins/:name/${on ? 'enable' : 'disable'}`,
    access: 'operator',
    handler: async (ctx) => {
      const bot = botOf(s, ctx);
      const p = pluginOf(s, ctx, bot);
      await (on ? pluginsOf(s, bot).enable(p.name) : pluginsOf(s, bot).disable(p.name));
      await audit(s, ctx, on ? 'plugin.enable' : 'plugin.disable', `${bot.id}/${p.name}`);
      back(ctx, base(bot), on ? 'flash.enabled' : 'flash.disabled');
    },
  });

  const renderForm = async (ctx: AdminContext, bot: AdminBot, errors: Record<string, string>, other: string[], fields?: FormField[]): Promise<void> => {
    const p = pluginOf(s, ctx, bot);
    const schema = s.deps.registry.jsonSchema(p.name);
    const rules = hasRules(schema);
    page(s, ctx, 'plugin', {
      title: p.name,
      info: bot.info(),
      plugin: p,
      fields: fields ?? formFields(schema, p.config, rules ? ['rules'] : []),
      errors,
      other,
      rules,
      pluginErrors: await s.deps.store.pluginErrors.list(bot.id, { plugin: p.name, limit: 10 }),
    });
  };

  const saveConfig = async (_ctx: AdminContext, bot: AdminBot, name: string, config: unknown): Promise<{ path: string; message: string }[] | undefined> => {
    try {
      await pluginsOf(s, bot).configure(name, config);
      return undefined;
    } catch (e) {
      const issues = issuesOf(e);
      if (!issues) throw e;
      return issues;
    }
  };

  const rulesPage = (ctx: AdminContext, bot: AdminBot, text: string | undefined, problems: string[]): void => {
    const p = pluginOf(s, ctx, bot);
    const rules = ((p.config as { rules?: unknown[] }).rules ?? []) as Record<string, unknown>[];
    page(s, ctx, 'rules', {
      title: ctx.state.t('rules.title'),
      info: bot.info(),
      plugin: p,
      rules,
      json: text ?? JSON.stringify(rules, null, 2),
      problems,
    });
  };

  const saveRules = async (ctx: AdminContext, bot: AdminBot, text: string): Promise<void> => {
    const p = pluginOf(s, ctx, bot);
    let rules: unknown;
    try {
      rules = JSON.parse(text);
    } catch (e) {
      ctx.status = 422;
      return rulesPage(ctx, bot, text, [ctx.state.t('form.badJson', { message: (e as Error).message })]);
    }
    if (!Array.isArray(rules)) {
      ctx.status = 422;
      return rulesPage(ctx, bot, text, [ctx.state.t('rules.notArray')]);
    }
    const issues = await saveConfig(ctx, bot, p.name, { ...(p.config as object), rules });
    if (issues) {
      ctx.status = 422;
      return rulesPage(
        ctx,
        bot,
        text,
        issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)),
      );
    }
    await audit(s, ctx, 'plugin.rules', `${bot.id}/${p.name}`, { count: rules.length });
    back(ctx, `${base(bot)}/${encodeURIComponent(p.name)}/rules`, 'flash.saved');
  };

  return [
    {
      method: 'GET',
      path: '/accounts/:id/plugins',
      access: 'viewer',
      handler: (ctx) => {
        const bot = botOf(s, ctx);
        const plugins = pluginsOf(s, bot)
          .list()
          .sort((a, b) => a.order - b.order);
        page(s, ctx, 'plugins', { title: ctx.state.t('plugins.title'), info: bot.info(), plugins });
      },
    },
    toggle(true),
    toggle(false),
    {
      method: 'POST',
      path: '/accounts/:id/plugins/:name/move',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const p = pluginOf(s, ctx, bot);
        const names = pluginsOf(s, bot)
          .list()
          .sort((a, b) => a.order - b.order)
          .map((x) => x.name);
        const i = names.indexOf(p.name);
        const j = field(ctx, 'dir') === 'up' ? i - 1 : i + 1;
        if (j >= 0 && j < names.length) {
          [names[i], names[j]] = [names[j]!, names[i]!];
          await pluginsOf(s, bot).reorder(names);
          await audit(s, ctx, 'plugin.order', bot.id, { order: names });
        }
        back(ctx, base(bot), 'flash.saved');
      },
    },
    {
      method: 'GET',
      path: '/accounts/:id/plugins/:name',
      access: 'viewer',
      handler: (ctx) => renderForm(ctx, botOf(s, ctx), {}, []),
    },
    {
      method: 'POST',
      path: '/accounts/:id/plugins/:name',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const p = pluginOf(s, ctx, bot);
        const schema = s.deps.registry.jsonSchema(p.name);
        const fields = formFields(schema, p.config, hasRules(schema) ? ['rules'] : []);
        const { config, problems } = configFromForm(fields, ctx.state.form, p.config);
        const t = ctx.state.t;
        // Show what was typed (never a secret) next to the messages.
        const shown = formFields(schema, config, hasRules(schema) ? ['rules'] : []).map((f) => {
          const typed = ctx.state.form[`f:${f.name}`];
          return problems[f.name] && typeof typed === 'string' ? { ...f, value: typed } : f;
        });
        if (Object.keys(problems).length) {
          const errors = Object.fromEntries(
            Object.entries(problems).map(([k, v]) => {
              const [key, ...rest] = v.split(':');
              return [k, t(key!, { message: rest.join(':') })];
            }),
          );
          ctx.status = 422;
          return renderForm(ctx, bot, errors, [], shown);
        }
        const issues = await saveConfig(ctx, bot, p.name, config);
        if (issues) {
          const { byField, other } = placeIssues(issues, fields);
          ctx.status = 422;
          return renderForm(ctx, bot, byField, other, shown);
        }
        await audit(s, ctx, 'plugin.configure', `${bot.id}/${p.name}`, { fields: fields.filter((f) => f.kind !== 'secret').map((f) => f.name) });
        back(ctx, `${base(bot)}/${encodeURIComponent(p.name)}`, 'flash.saved');
      },
    },
    {
      method: 'GET',
      path: '/accounts/:id/plugins/:name/rules',
      access: 'viewer',
      handler: (ctx) => rulesPage(ctx, botOf(s, ctx), undefined, []),
    },
    {
      method: 'GET',
      path: '/accounts/:id/plugins/:name/rules.json',
      access: 'viewer',
      handler: (ctx) => {
        const bot = botOf(s, ctx);
        const p = pluginOf(s, ctx, bot);
        ctx.attachment(`${p.name}-rules-${bot.id}.json`);
        ctx.type = 'application/json';
        ctx.body = JSON.stringify((p.config as { rules?: unknown[] }).rules ?? [], null, 2);
      },
    },
    {
      method: 'POST',
      path: '/accounts/:id/plugins/:name/rules',
      access: 'operator',
      multipart: true,
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const upload = ctx.state.files.find((f) => f.field === 'file' && f.data.length > 0);
        await saveRules(ctx, bot, upload ? upload.data.toString('utf8') : field(ctx, 'json'));
      },
    },
    {
      method: 'POST',
      path: '/accounts/:id/plugins/:name/rules/add',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const p = pluginOf(s, ctx, bot);
        const rules = [...(((p.config as { rules?: unknown[] }).rules ?? []) as unknown[])];
        rules.push({
          name: field(ctx, 'name'),
          match: field(ctx, 'match') || 'contains',
          pattern: field(ctx, 'pattern'),
          replies: [{ type: 'text', text: field(ctx, 'reply') }],
        });
        await saveRules(ctx, bot, JSON.stringify(rules));
      },
    },
  ];
}
