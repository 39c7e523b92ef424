/** Accounts, their contacts, rooms, messages (read and send) and plugin settings. */
import type Router from '@koa/router';
import type Koa from 'koa';
import { z } from 'zod';
import type { Contact, Room } from '../transport/model.js';
import type { BotInfo, OutgoingContent, SendTarget } from '../bot/types.js';
import type { PluginInfo } from '../pipeline/plugin-host.js';
import { requireCapability } from '../transport/capabilities.js';
import type { OutboundStatus } from '../bot/outbound-record.js';
import { safeFetch } from '../webhook/safe-fetch.js';
import { checkConfig, describeIssues } from '../pipeline/index.js';
import { ApiError } from './errors.js';
import { decodeCursor, encodeCursor, limitOf, pageOf } from './paging.js';
import type { ApiBot, ApiDeps } from './types.js';
import type { MultipartBody } from './multipart.js';
import { TIMELINE_KEEP } from '../store/index.js';
import { checkSendTarget } from './send-target.js';

const target = z.union([
  z.strictObject({ id: z.string().trim().min(1) }),
  z.strictObject({ name: z.string().trim().min(1) }),
  z.strictObject({ room: z.string().trim().min(1) }),
]);

const sendJson = z.union([
  z.strictObject({ to: target, type: z.literal('text').optional(), text: z.string().min(1).max(8000) }),
  z.strictObject({
    to: target,
    type: z.enum(['image', 'video', 'file']).optional(),
    url: z.string().url(),
    name: z.string().min(1).max(200).optional(),
  }),
]);

const pluginOrder = z.strictObject({ order: z.array(z.string().min(1)).min(1) });
const OUTBOUND_STATUSES: OutboundStatus[] = ['queued', 'sent', 'failed', 'waiting-for-user'];

const pluginPut = z.strictObject({ enabled: z.boolean().optional(), config: z.unknown().optional() });

export function issues(e: z.ZodError): { path: string; message: string }[] {
  return e.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

export function invalid(e: z.ZodError, what: string): ApiError {
  const list = issues(e);
  return new ApiError(422, 'invalid', `${what}: ${list.map((i) => (i.path ? `${i.path}: ` : '') + i.message).join('; ')}`, list);
}

function bot(deps: ApiDeps, ctx: Koa.Context): ApiBot {
  const id = String(ctx.params.id);
  const b = deps.manager.get(id);
  if (!b) throw new ApiError(404, 'not_found', `No account ${id}.`);
  return b;
}

function publicRecord(r: { idempotencyKey?: string } & Record<string, unknown>): Record<string, unknown> {
  const { idempotencyKey: _k, ...rest } = r;
  return rest;
}

const fileType = (mime: string): 'image' | 'video' | 'file' => (mime.startsWith('image/') ? 'image' : mime.startsWith('video/') ? 'video' : 'file');

/** Validate the whole send request before anything is written or fetched. */
function parseSend(ctx: Koa.Context): {
  to: SendTarget;
  text?: string;
  url?: string;
  type?: 'image' | 'video' | 'file';
  name?: string;
  file?: MultipartBody['file'];
} {
  const mp = ctx.state.multipart as MultipartBody | undefined;
  if (mp) {
    let to: unknown;
    if (mp.fields.to !== undefined) {
      try {
        to = JSON.parse(mp.fields.to);
      } catch {
        to = { id: mp.fields.to };
      }
    } else if (mp.fields['to.id'] !== undefined) to = { id: mp.fields['to.id'] };
    else if (mp.fields['to.name'] !== undefined) to = { name: mp.fields['to.name'] };
    else if (mp.fields['to.room'] !== undefined) to = { room: mp.fields['to.room'] };
    const t = target.safeParse(to);
    if (!t.success) throw invalid(t.error, 'to');
    if (!mp.file) throw new ApiError(422, 'invalid', 'A multipart send needs a file part.');
    const type = mp.fields.type;
    if (type !== undefined && !['image', 'video', 'file'].includes(type)) throw new ApiError(422, 'invalid', 'type must be image, video or file.');
    return {
      to: t.data,
      file: mp.file,
      type: (type as 'image' | 'video' | 'file' | undefined) ?? fileType(mp.file.mimeType),
      ...(mp.fields.name && { name: mp.fields.name }),
    };
  }
  const body = sendJson.safeParse(ctx.request.body);
  if (!body.success) throw invalid(body.error, 'Invalid send request');
  const d = body.data;
  if ('text' in d) return { to: d.to, text: d.text };
  return { to: d.to, url: d.url, ...(d.type && { type: d.type }), ...(d.name && { name: d.name }) };
}

/** `?wait=`: absent or `false` = answer at once; `true` (or empty) = up to 30 s; else milliseconds up to 120000. */
function parseWait(wait: unknown): number | undefined {
  if (wait === undefined || wait === 'false') return undefined;
  const ms = wait === 'true' || wait === '' ? 30_000 : typeof wait === 'string' && /^\d+$/.test(wait) ? Number(wait) : NaN;
  if (!Number.isFinite(ms) || ms > 120_000) throw new ApiError(400, 'bad_request', 'wait must be true, false or milliseconds up to 120000.');
  return ms;
}

/**
 * A contact, room or account with `avatar` as weiroto's own signed link: WeChat's avatar URLs only
 * work with the session's skey, which is never handed out.
 */
function withAvatarLink<T extends { id: string; avatar?: string }>(deps: ApiDeps, account: string, x: T): T {
  const { avatar: _wechat, ...rest } = x;
  const link = deps.webhooks.mediaLinks.avatarLink(account, x.id);
  return (link ? { ...rest, avatar: link } : rest) as T;
}

function infoOf(deps: ApiDeps, info: BotInfo): BotInfo {
  if (!info.self) return info;
  // No link that could only fail: a transport without avatars (iLink) gives none.
  if (info.lacks?.includes('avatars')) {
    const { avatar: _none, ...self } = info.self;
    return { ...info, self };
  }
  return { ...info, self: withAvatarLink(deps, info.id, info.self) };
}

/**
 * Plugin settings as the API shows them: write-only fields (the ai plugin's apiKey) are left out,
 * and `secretsSet` names those that hold a value. A PUT without them keeps them.
 */
function withoutSecrets(deps: ApiDeps, info: PluginInfo): PluginInfo & { secretsSet: string[] } {
  const config = { ...(info.config as Record<string, unknown>) };
  const secretsSet: string[] = [];
  for (const f of deps.registry.secretFields(info.name)) {
    if (typeof config[f] === 'string' && config[f] !== '') secretsSet.push(f);
    delete config[f];
  }
  return { ...info, config, secretsSet };
}

async function directoryOf<T>(live: T[], stored: () => Promise<T[]>): Promise<T[]> {
  return live.length ? live : stored();
}

function matchesQuery(q: string | undefined, ...fields: (string | undefined)[]): boolean {
  if (!q) return true;
  const needle = q.toLowerCase();
  return fields.some((f) => f?.toLowerCase().includes(needle));
}

/** Register the account routes on a router mounted at /api/v1. */
export function accountRoutes(router: Router, deps: ApiDeps, options: { idempotencyKeyOf(ctx: Koa.Context): string | undefined }): void {
  router.get('/accounts', (ctx) => {
    ctx.body = { items: deps.manager.list().map((i) => infoOf(deps, i)) };
  });

  router.get('/accounts/:id', (ctx) => {
    ctx.body = infoOf(deps, bot(deps, ctx).info());
  });

  router.get('/accounts/:id/timeline', async (ctx) => {
    const b = bot(deps, ctx);
    ctx.body = { items: await deps.manager.timeline(b.info().id, limitOf(ctx.query.limit, 50, TIMELINE_KEEP)) };
  });

  router.get('/accounts/:id/contacts', async (ctx) => {
    const b = bot(deps, ctx);
    requireCapability(b.capabilities, 'directory', 'list contacts');
    const q = typeof ctx.query.q === 'string' ? ctx.query.q : undefined;
    const all = (await directoryOf<Contact>(b.directory.contacts(), () => deps.store.directory.contacts(String(ctx.params.id))))
      .filter((c) => matchesQuery(q, c.name, c.remark, c.alias, c.id, c.stableId))
      .sort((a, b2) => a.name.localeCompare(b2.name) || a.id.localeCompare(b2.id));
    const page = pageOf(all, ctx.query.cursor as string | undefined, limitOf(ctx.query.limit));
    ctx.body = { ...page, items: page.items.map((c) => withAvatarLink(deps, String(ctx.params.id), c)) };
  });

  router.get('/accounts/:id/rooms', async (ctx) => {
    const b = bot(deps, ctx);
    requireCapability(b.capabilities, 'rooms', 'list rooms');
    const q = typeof ctx.query.q === 'string' ? ctx.query.q : undefined;
    const all = (await directoryOf<Room>(b.directory.rooms(), () => deps.store.directory.rooms(String(ctx.params.id))))
      .filter((r) => matchesQuery(q, r.topic, r.id, r.stableId))
      .sort((a, b2) => a.topic.localeCompare(b2.topic) || a.id.localeCompare(b2.id));
    const page = pageOf(all, ctx.query.cursor as string | undefined, limitOf(ctx.query.limit));
    ctx.body = { ...page, items: page.items.map((r) => withAvatarLink(deps, String(ctx.params.id), r)) };
  });

  router.get('/accounts/:id/messages', async (ctx) => {
    bot(deps, ctx);
    const account = String(ctx.params.id);
    // Newest first; the cursor is the store's unique sequence number of the last row looked at
    // (keyset paging), so messages that share a timestamp are neither lost nor repeated.
    const c = decodeCursor(ctx.query.cursor as string | undefined);
    const before = c === undefined ? undefined : Number(c.s);
    if (before !== undefined && !Number.isSafeInteger(before)) throw new ApiError(400, 'bad_cursor', 'The cursor is not one this API gave out.');
    const chatId = typeof ctx.query.chatId === 'string' && ctx.query.chatId ? ctx.query.chatId : undefined;
    const text = typeof ctx.query.q === 'string' && ctx.query.q ? ctx.query.q : undefined;
    const page = await deps.store.messages.list(account, {
      ...(chatId && { chatId }),
      ...(text && { text }),
      ...(before !== undefined && { beforeSeq: before }),
      limit: limitOf(ctx.query.limit),
    });
    ctx.body = { items: page.items, ...(page.next !== undefined && { next: encodeCursor({ s: page.next }) }) };
  });

  router.post('/accounts/:id/messages', async (ctx) => {
    const b = bot(deps, ctx);
    // Every part of the request is checked before anything is fetched, written or queued.
    const waitMs = parseWait(ctx.query.wait);
    const req = parseSend(ctx);
    await b.prepareSend?.();
    checkSendTarget(b, req.to);
    let content: OutgoingContent;
    if (req.text !== undefined) content = { type: 'text', text: req.text };
    else if (req.file) content = { type: req.type ?? 'file', file: { name: req.name ?? req.file.name, data: req.file.data, mimeType: req.file.mimeType } };
    else {
      const f = await safeFetch(req.url!, { allowPrivate: deps.config.apiAllowPrivateUrls, maxBytes: deps.maxUploadBytes ?? 25 * 1024 * 1024 });
      content = {
        type: req.type ?? fileType(f.contentType ?? ''),
        file: { name: req.name ?? f.fileName, data: f.data, ...(f.contentType && { mimeType: f.contentType }) },
      };
    }
    const key = options.idempotencyKeyOf(ctx);
    let record;
    try {
      record = await b.send(req.to, content, { source: 'api', ...(key && { idempotencyKey: key }) });
    } catch (e) {
      if (e instanceof TypeError) throw new ApiError(422, 'invalid', e.message);
      throw e;
    }
    // A send held for the user (iLink) cannot settle until they write: answer 202 with why, at once.
    if (waitMs !== undefined) record = await b.waitFor(record.id, waitMs, { untilHeld: true });
    ctx.status = record.status === 'sent' ? 200 : record.status === 'failed' ? 502 : 202;
    ctx.body = publicRecord(record as unknown as Record<string, unknown>);
  });

  router.get('/accounts/:id/outbound', async (ctx) => {
    bot(deps, ctx);
    const status = typeof ctx.query.status === 'string' && ctx.query.status ? ctx.query.status : undefined;
    if (status !== undefined && !OUTBOUND_STATUSES.includes(status as OutboundStatus)) {
      throw new ApiError(400, 'bad_request', `status must be one of ${OUTBOUND_STATUSES.join(', ')}.`);
    }
    const limit = ctx.query.limit === undefined ? 50 : Number(ctx.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ApiError(400, 'bad_request', 'limit must be an integer from 1 to 500.');
    const rows = await deps.store.outbound.list(String(ctx.params.id), { ...(status && { status: status as OutboundStatus }), limit });
    ctx.body = { items: rows.map((r) => publicRecord(r as unknown as Record<string, unknown>)) };
  });

  router.get('/accounts/:id/outbound/:outboundId', async (ctx) => {
    bot(deps, ctx);
    const r = await deps.store.outbound.get(String(ctx.params.outboundId));
    if (!r || r.account !== ctx.params.id) throw new ApiError(404, 'not_found', `No outbound message ${String(ctx.params.outboundId)}.`);
    ctx.body = publicRecord(r as unknown as Record<string, unknown>);
  });

  router.get('/accounts/:id/plugins', async (ctx) => {
    bot(deps, ctx);
    await deps.manager.ready?.(String(ctx.params.id));
    ctx.body = {
      items: pluginsOf(deps, String(ctx.params.id))
        .list()
        .map((p) => withoutSecrets(deps, p)),
      notLoaded: notLoaded(deps),
    };
  });

  // Before /plugins/:name, which would take "order" for a plugin's name.
  router.put('/accounts/:id/plugins/order', async (ctx) => {
    bot(deps, ctx);
    const body = pluginOrder.safeParse(ctx.request.body ?? {});
    if (!body.success) throw invalid(body.error, 'Invalid plugin order');
    const names = body.data.order;
    const issues = names.flatMap((n, i) =>
      !deps.registry.get(n)
        ? [{ path: `order.${i}`, message: `no plugin named "${n}"` }]
        : names.indexOf(n) !== i
          ? [{ path: `order.${i}`, message: `"${n}" is named twice` }]
          : [],
    );
    if (issues.length) throw new ApiError(422, 'invalid', `Invalid plugin order: ${describeIssues(issues)}`, issues);
    await deps.manager.ready?.(String(ctx.params.id));
    await pluginsOf(deps, String(ctx.params.id)).reorder(names);
    ctx.body = {
      items: pluginsOf(deps, String(ctx.params.id))
        .list()
        .map((p) => withoutSecrets(deps, p)),
    };
  });

  router.put('/accounts/:id/plugins/:name', async (ctx) => {
    bot(deps, ctx);
    const name = String(ctx.params.name);
    const def = deps.registry.get(name);
    if (!def) throw new ApiError(404, 'not_found', `No plugin named ${name}.`);
    const body = pluginPut.safeParse(ctx.request.body ?? {});
    if (!body.success) throw invalid(body.error, 'Invalid plugin settings');
    if (body.data.enabled === undefined && body.data.config === undefined) throw new ApiError(422, 'invalid', 'Give enabled, config or both.');
    // Validate everything first: a bad config changes nothing, not even the enabled flag.
    if (body.data.config !== undefined) {
      const checked = checkConfig(def, body.data.config);
      if (!checked.ok) throw new ApiError(422, 'invalid', `Invalid config for ${name}: ${describeIssues(checked.issues)}`, checked.issues);
    }
    await deps.manager.ready?.(String(ctx.params.id));
    // configure also runs the plugin's checks against the account (a ValidationError is a 422).
    if (body.data.config !== undefined) await pluginsOf(deps, String(ctx.params.id)).configure(name, body.data.config);
    if (body.data.enabled === true) await pluginsOf(deps, String(ctx.params.id)).enable(name);
    if (body.data.enabled === false) await pluginsOf(deps, String(ctx.params.id)).disable(name);
    ctx.body = withoutSecrets(
      deps,
      pluginsOf(deps, String(ctx.params.id))
        .list()
        .find((p) => p.name === name)!,
    );
  });

  router.get('/plugins', (ctx) => {
    ctx.body = {
      items: deps.registry.list().map((p) => ({ name: p.name, description: p.description, schema: deps.registry.jsonSchema(p.name) })),
      notLoaded: notLoaded(deps),
    };
  });
}

/** Plugins found but not loaded: they never run (the others do), and a plugin list says so. */
function notLoaded(deps: ApiDeps): { name: string; path: string; error: string }[] {
  return (deps.registry.problems ?? []).map(({ name, path, error }) => ({ name, path, error }));
}

/** The plugins of an account the route already found (its runtime has them, the bot does not). */
function pluginsOf(deps: ApiDeps, id: string): NonNullable<ReturnType<ApiDeps['manager']['plugins']>> {
  const host = deps.manager.plugins(id);
  if (!host) throw new ApiError(404, 'not_found', `No account ${id}.`);
  return host;
}
