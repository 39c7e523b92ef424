/** Webhooks and API tokens (admins): endpoints with filters, secrets shown once, deliveries, re-delivery, test; tokens. */
import { fail, type AdminContext, type RouteDef } from '../router.js';
import { audit, back, field, fields, page, type Services } from '../services.js';
import type { EndpointInput, WebhooksAdapter } from '../webhooks-adapter.js';

const lines = (v: string): string[] =>
  v
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean);

function endpointInput(ctx: AdminContext): EndpointInput {
  const url = field(ctx, 'url').trim();
  return {
    url,
    description: field(ctx, 'description').trim().slice(0, 200),
    eventTypes: fields(ctx, 'eventTypes'),
    accounts: fields(ctx, 'accounts'),
    chats: lines(field(ctx, 'chats')),
    keywords: lines(field(ctx, 'keywords')),
    includeSelf: field(ctx, 'includeSelf') !== '',
    enabled: field(ctx, 'enabled') !== '',
  };
}

/**
 * Save an endpoint form's input; what the panel or the webhook service refuses (a URL that is not http(s), a
 * 422 of the service) comes back as the words to show above the form, which is shown again as typed.
 */
async function saveInput<T>(ctx: AdminContext, input: EndpointInput, save: () => Promise<T>): Promise<{ value: T; problem?: undefined } | { problem: string }> {
  let problem: string;
  if (!/^https?:\/\/\S+$/.test(input.url)) problem = ctx.state.t('webhooks.badUrl');
  else {
    try {
      return { value: await save() };
    } catch (e) {
      const err = e as Error & { status?: number; expose?: boolean };
      if (err.status !== 422 || !err.expose) throw e;
      problem = err.message;
    }
  }
  // A script asking for JSON gets the error as before; a browser gets its form back.
  if (ctx.accepts('html', 'json') === 'json') fail(ctx, 422, problem);
  ctx.status = 422;
  return { problem };
}

export function webhookRoutes(s: Services): RouteDef[] {
  const svc = (ctx: AdminContext): WebhooksAdapter => {
    if (!s.webhooks) fail(ctx, 404, ctx.state.t('webhooks.unavailable'));
    return s.webhooks;
  };
  const list = async (ctx: AdminContext, extra: Record<string, unknown> = {}): Promise<void> => {
    const w = s.webhooks;
    page(s, ctx, 'webhooks', {
      title: ctx.state.t('webhooks.title'),
      available: !!w,
      endpoints: (await w?.list()) ?? [],
      deliveries: (await w?.deliveries(undefined, 30)) ?? [],
      eventTypes: w?.eventTypes() ?? [],
      list: s.deps.manager.list(),
      tokensAvailable: !!s.tokens,
      tokens: (await s.tokens?.list()) ?? [],
      secret: undefined,
      token: undefined,
      draft: undefined,
      problem: undefined,
      ...extra,
    });
  };
  /** One endpoint's page; `secret` is shown once, right after a rotation; a refused edit shows its `draft` and `problem`. */
  const showEndpoint = async (ctx: AdminContext, secret: string | undefined, refused?: { draft: EndpointInput; problem: string }): Promise<void> => {
    const w = svc(ctx);
    const endpoint = await w.get(ctx.state.params.wid!);
    if (!endpoint) fail(ctx, 404, ctx.state.t('webhooks.notFound'));
    page(s, ctx, 'webhook', {
      title: endpoint.url,
      endpoint,
      deliveries: await w.deliveries(endpoint.id, 100),
      eventTypes: w.eventTypes(),
      list: s.deps.manager.list(),
      secret,
      draft: refused?.draft,
      problem: refused?.problem,
    });
  };
  return [
    { method: 'GET', path: '/webhooks', access: 'admin', handler: (ctx) => list(ctx) },
    {
      method: 'POST',
      path: '/webhooks',
      access: 'admin',
      handler: async (ctx) => {
        const input = endpointInput(ctx);
        const saved = await saveInput(ctx, input, () => svc(ctx).create(input));
        if (saved.problem !== undefined) return list(ctx, { draft: input, problem: saved.problem });
        const { endpoint, secret } = saved.value;
        await audit(s, ctx, 'webhook.create', endpoint.id, { url: input.url, events: input.eventTypes });
        await list(ctx, { secret, secretFor: endpoint.url });
      },
    },
    {
      method: 'GET',
      path: '/webhooks/:wid',
      access: 'admin',
      handler: (ctx) => showEndpoint(ctx, undefined),
    },
    {
      method: 'POST',
      path: '/webhooks/:wid',
      access: 'admin',
      handler: async (ctx) => {
        const input = endpointInput(ctx);
        const saved = await saveInput(ctx, input, () => svc(ctx).update(ctx.state.params.wid!, input));
        if (saved.problem !== undefined) return showEndpoint(ctx, undefined, { draft: input, problem: saved.problem });
        await audit(s, ctx, 'webhook.update', ctx.state.params.wid, { url: input.url, events: input.eventTypes });
        back(ctx, `/webhooks/${encodeURIComponent(ctx.state.params.wid!)}`, 'flash.saved');
      },
    },
    {
      method: 'POST',
      path: '/webhooks/:wid/delete',
      access: 'admin',
      handler: async (ctx) => {
        await svc(ctx).remove(ctx.state.params.wid!);
        await audit(s, ctx, 'webhook.delete', ctx.state.params.wid);
        back(ctx, '/webhooks', 'flash.deleted');
      },
    },
    {
      method: 'POST',
      path: '/webhooks/:wid/rotate',
      access: 'admin',
      handler: async (ctx) => {
        const secret = await svc(ctx).rotate(ctx.state.params.wid!);
        await audit(s, ctx, 'webhook.rotate', ctx.state.params.wid);
        await showEndpoint(ctx, secret);
      },
    },
    {
      method: 'POST',
      path: '/webhooks/:wid/test',
      access: 'admin',
      handler: async (ctx) => {
        await svc(ctx).test(ctx.state.params.wid!);
        await audit(s, ctx, 'webhook.test', ctx.state.params.wid);
        back(ctx, `/webhooks/${encodeURIComponent(ctx.state.params.wid!)}`, 'flash.testQueued');
      },
    },
    {
      method: 'POST',
      path: '/webhooks/deliveries/:did/redeliver',
      access: 'admin',
      handler: async (ctx) => {
        await svc(ctx).redeliver(ctx.state.params.did!);
        await audit(s, ctx, 'webhook.redeliver', ctx.state.params.did);
        back(ctx, field(ctx, 'back').startsWith('/webhooks') ? field(ctx, 'back') : '/webhooks', 'flash.redelivered');
      },
    },
    {
      method: 'POST',
      path: '/tokens',
      access: 'admin',
      handler: async (ctx) => {
        if (!s.tokens) fail(ctx, 404, ctx.state.t('tokens.unavailable'));
        const name = field(ctx, 'name').trim().slice(0, 64) || 'token';
        const readOnly = field(ctx, 'readOnly') === '1';
        const { token, record } = await s.tokens.create(name, { readOnly });
        await audit(s, ctx, 'token.create', record.id, { name, readOnly });
        await list(ctx, { token });
      },
    },
    {
      method: 'POST',
      path: '/tokens/:tid/revoke',
      access: 'admin',
      handler: async (ctx) => {
        if (!s.tokens) fail(ctx, 404, ctx.state.t('tokens.unavailable'));
        await s.tokens.revoke(ctx.state.params.tid!);
        await audit(s, ctx, 'token.revoke', ctx.state.params.tid);
        back(ctx, '/webhooks', 'flash.revoked');
      },
    },
  ];
}
