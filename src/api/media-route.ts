/**
 * `GET /media/:account/:messageId?exp=&sig=`: a message's media, for webhook receivers holding a
 * signed link (no bearer token); `GET /media/avatar/:account/:contactId?exp=&sig=`: an avatar (the
 * API's `avatar` fields). The bytes come from WeChat through the account's transport.
 */
import type Koa from 'koa';
import { imageType } from '../util/image-type.js';
import { supports, UnsupportedError } from '../transport/capabilities.js';
import type { ApiDeps } from './types.js';

const PATH = /^\/media\/([^/]+)\/([^/]+)$/;
const AVATAR_PATH = /^\/media\/avatar\/([^/]+)\/([^/]+)$/;

export function mediaMiddleware(deps: ApiDeps): Koa.Middleware {
  return async (ctx, next) => {
    const avatar = AVATAR_PATH.exec(ctx.path);
    const m = avatar ?? PATH.exec(ctx.path);
    if (!m || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    const fail = (status: number, code: string, message: string): void => {
      ctx.status = status;
      ctx.body = { error: { code, message } };
    };
    let account: string;
    let messageId: string;
    try {
      account = decodeURIComponent(m[1]!);
      messageId = decodeURIComponent(m[2]!);
    } catch {
      return fail(400, 'bad_request', 'Malformed media path.');
    }
    const links = deps.webhooks.mediaLinks;
    const exp = str(ctx.query.exp);
    const sig = str(ctx.query.sig);
    const verdict = avatar ? links.verifyAvatar(account, messageId, exp, sig) : links.verify(account, messageId, exp, sig);
    if (verdict === 'invalid') return fail(403, 'forbidden', 'The media link signature is not valid.');
    if (verdict === 'expired') return fail(403, 'link_expired', 'The media link has expired.');
    if (avatar) return serveAvatar(ctx, deps, account, messageId, fail);
    const message = await deps.store.messages.get(account, messageId);
    const bot = deps.manager.get(account);
    if (!message || !bot) return fail(404, 'not_found', 'No such message.');
    if (!message.media && !['image', 'video', 'voice', 'file', 'emoticon'].includes(message.type)) return fail(404, 'not_found', 'This message has no media.');
    let data: Buffer;
    try {
      data = await bot.media.download(message);
    } catch (e) {
      deps.log.warn({ err: e, account, messageId }, 'media download failed');
      return fail(502, 'upstream_failed', 'WeChat did not give the media (the account may be offline or the media expired).');
    }
    ctx.status = 200;
    ctx.type = message.media?.mimeType ?? 'application/octet-stream';
    const name = message.media?.fileName;
    if (name) ctx.attachment(name, { type: 'inline' });
    ctx.set('cache-control', 'private, max-age=3600');
    ctx.body = data;
  };
}

/** An avatar, downloaded with the account's current session; only real images are passed on. */
async function serveAvatar(
  ctx: Koa.Context,
  deps: ApiDeps,
  account: string,
  contactId: string,
  fail: (s: number, c: string, m: string) => void,
): Promise<void> {
  const bot = deps.manager.get(account);
  if (!bot) return fail(404, 'not_found', 'No such account.');
  const caps = bot.capabilities;
  if (!supports(caps, 'avatars')) {
    const e = new UnsupportedError('avatars', caps.kind, 'download an avatar');
    ctx.status = 422;
    ctx.body = { error: { code: 'unsupported', message: e.message, capability: e.capability } };
    return;
  }
  let data: Buffer;
  try {
    data = await bot.media.avatar(contactId);
  } catch (e) {
    deps.log.debug({ err: e, account, contactId }, 'avatar download failed');
    return fail(404, 'not_found', 'WeChat gave no avatar (the account may be offline).');
  }
  const type = imageType(data);
  if (!type) return fail(404, 'not_found', 'WeChat gave no avatar.');
  ctx.status = 200;
  ctx.type = type;
  ctx.set('cache-control', 'private, max-age=600');
  ctx.body = data;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
