/**
 * Plugins per account: switch on/off, the chain order (one form posts it whole), a settings page
 * drawn from each plugin's declared form metadata (with list editors whose buttons work without
 * JavaScript, an on/off switch, and the schema's messages beside their fields), and a JSON
 * import/export page for plugins whose config holds a `rules` list (auto-reply).
 */
import type { AdminBot, AdminPluginState } from '../deps.js';
import type { FieldMeta } from '../../pipeline/plugin-form.js';
import { applyOp, parseOp } from '../form-ops.js';
import { formSpecs, localize } from '../form-spec.js';
import { fail, type AdminContext, type RouteDef } from '../router.js';
import { configFromForm, drawnPaths, formFields, issuesOf, placeIssues, type FormIssue } from '../schema-form.js';
import { pieces, type Said } from '../phrases.js';
import { parseJson, sayJsonProblem } from '../json-problem.js';
import { audit, back, botOf, field, page, pluginsOf, sayOf, type Services } from '../services.js';

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

/** Names the chat pickers offer: the account's room topics and contact names. */
function knownChats(bot: AdminBot): string[] {
  const names = [...bot.directory.rooms().map((r) => r.topic), ...bot.directory.contacts().map((c) => c.remark || c.name)];
  return [...new Set(names.filter((n): n is string => typeof n === 'string' && n.trim() !== ''))].slice(0, 500);
}

/** The chain order a submitted order form asks for: by the numbers typed (`pos:<name>`), ties in the current order. */
function orderFromForm(names: string[], form: Record<string, unknown>): string[] {
  const pos = (n: string, i: number): number => {
    const v = Number(form[`pos:${n}`]);
    return Number.isFinite(v) ? v : i + 1;
  };
  return names
    .map((n, i) => ({ n, i, p: pos(n, i) }))
    .sort((a, b) => a.p - b.p || a.i - b.i)
    .map((x) => x.n);
}

interface FormState {
  config: unknown;
  enabled?: boolean;
  errors?: Record<string, Said>;
  other?: Said[];
  /** The form was changed by a list button and not saved yet. */
  unsaved?: boolean;
  /** The item or field a list button acted on (opened and scrolled to). */
  focus?: string;
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

  const specsOf = (ctx: AdminContext, name: string) => formSpecs(s.deps.registry.jsonSchema(name), s.deps.registry.form?.(name), ctx.state.locale);

  const renderForm = async (ctx: AdminContext, bot: AdminBot, state: FormState): Promise<void> => {
    const p = pluginOf(s, ctx, bot);
    const schema = s.deps.registry.jsonSchema(p.name);
    const form = s.deps.registry.form?.(p.name);
    const locale = ctx.state.locale;
    page(s, ctx, 'plugin', {
      title: localize(form?.title, locale) ?? p.name,
      description: localize(form?.description, locale) ?? p.description,
      info: bot.info(),
      plugin: p,
      enabled: state.enabled ?? p.enabled,
      fields: formFields(specsOf(ctx, p.name), state.config),
      errors: state.errors ?? {},
      other: state.other ?? [],
      unsaved: state.unsaved ?? false,
      focus: state.focus ?? '',
      rules: hasRules(schema),
      chats: knownChats(bot),
      pluginErrors: await s.deps.store.pluginErrors.list(bot.id, { plugin: p.name, limit: 10 }),
    });
  };

  const saveConfig = async (_ctx: AdminContext, bot: AdminBot, name: string, config: unknown): Promise<FormIssue[] | undefined> => {
    try {
      await pluginsOf(s, bot).configure(name, config);
      return undefined;
    } catch (e) {
      const issues = issuesOf(e);
      if (!issues) throw e;
      return issues;
    }
  };

  const rulesPage = (ctx: AdminContext, bot: AdminBot, text: string | undefined, problems: Said[]): void => {
    const p = pluginOf(s, ctx, bot);
    const rules = ((p.config as { rules?: unknown[] }).rules ?? []) as Record<string, unknown>[];
    // How each way of matching is called in the plugin's form, in the page's language.
    const fields = s.deps.registry.form?.(p.name)?.fields as Record<string, FieldMeta | undefined> | undefined;
    const matchOptions = fields?.rules?.item?.fields.match?.options ?? {};
    page(s, ctx, 'rules', {
      matchLabel: (m: string) => localize(matchOptions[m], ctx.state.locale) ?? m,
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
    const parsed = parseJson(text);
    if ('problem' in parsed) {
      ctx.status = 422;
      return rulesPage(ctx, bot, text, [sayJsonProblem(ctx.state.t, parsed.problem)]);
    }
    const rules = parsed.value;
    if (!Array.isArray(rules)) {
      ctx.status = 422;
      return rulesPage(ctx, bot, text, [[{ text: ctx.state.t('rules.notArray') }]]);
    }
    const issues = await saveConfig(ctx, bot, p.name, { ...(p.config as object), rules });
    if (issues) {
      ctx.status = 422;
      return rulesPage(ctx, bot, text, placeIssues(issues, new Set(), sayOf(s, ctx.state.locale), p.name).other);
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
        const locale = ctx.state.locale;
        const plugins = pluginsOf(s, bot)
          .list()
          .sort((a, b) => a.order - b.order)
          .map((p) => {
            const form = s.deps.registry.form?.(p.name);
            return { ...p, title: localize(form?.title, locale) ?? p.name, description: localize(form?.description, locale) ?? p.description };
          });
        page(s, ctx, 'plugins', { title: ctx.state.t('plugins.title'), info: bot.info(), plugins, notLoaded: s.deps.registry.problems ?? [] });
      },
    },
    toggle(true),
    toggle(false),
    {
      // Before /plugins/:name, which would take "order" for a plugin's name.
      method: 'POST',
      path: '/accounts/:id/plugins/order',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const host = pluginsOf(s, bot);
        const names = host
          .list()
          .sort((a, b) => a.order - b.order)
          .map((x) => x.name);
        const order = orderFromForm(names, ctx.state.form);
        // The same port as PUT /api/v1/accounts/:id/plugins/order.
        await host.reorder(order);
        await audit(s, ctx, 'plugin.order', bot.id, { order });
        back(ctx, base(bot), 'flash.orderSaved');
      },
    },
    {
      method: 'GET',
      path: '/accounts/:id/plugins/:name',
      access: 'viewer',
      handler: (ctx) => {
        const bot = botOf(s, ctx);
        return renderForm(ctx, bot, { config: pluginOf(s, ctx, bot).config });
      },
    },
    {
      method: 'POST',
      path: '/accounts/:id/plugins/:name',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const p = pluginOf(s, ctx, bot);
        const specs = specsOf(ctx, p.name);
        const form = ctx.state.form;
        const { config, problems } = configFromForm(specs, form, p.config);
        const enabled = form['seen-enabled'] === undefined ? p.enabled : form.enabled !== undefined;
        const t = ctx.state.t;
        const op = parseOp(form.op);
        if (op) {
          // A list button: show the changed form; nothing is saved until Save.
          const focus = applyOp(specs, config, op, form);
          return renderForm(ctx, bot, { config, enabled, unsaved: true, ...(focus && { focus }) });
        }
        if (Object.keys(problems).length) {
          const errors = Object.fromEntries(Object.entries(problems).map(([k, v]) => [k, typeof v === 'string' ? pieces(t(v)) : sayJsonProblem(t, v)]));
          ctx.status = 422;
          return renderForm(ctx, bot, { config, enabled, errors, unsaved: true });
        }
        const issues = await saveConfig(ctx, bot, p.name, config);
        if (issues) {
          const { byPath, other } = placeIssues(issues, drawnPaths(formFields(specs, config)), sayOf(s, ctx.state.locale), p.name);
          ctx.status = 422;
          return renderForm(ctx, bot, { config, enabled, errors: byPath, other, unsaved: true });
        }
        await audit(s, ctx, 'plugin.configure', `${bot.id}/${p.name}`, { fields: specs.filter((f) => f.widget !== 'secret').map((f) => f.key) });
        if (enabled !== p.enabled) {
          await (enabled ? pluginsOf(s, bot).enable(p.name) : pluginsOf(s, bot).disable(p.name));
          await audit(s, ctx, enabled ? 'plugin.enable' : 'plugin.disable', `${bot.id}/${p.name}`);
        }
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
