/**
 * The compatibility listener: the original's root paths on their own port, bound to one account,
 * answering word for word (status, `success`, `message`, `task`). Unknown paths get the plain
 * `404 Not Found` of the original's framework (after the token check, as there).
 */
import Koa from 'koa';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../logger.js';
import type { EventLog } from '../../webhook/event-log.js';
import { readMultipart } from '../../api/multipart.js';
import { openSse, sseFrame } from '../../api/events-route.js';
import { ANSWERS } from './answers.js';
import { tokenOf, tokenPasses, type TokenCheck } from './auth.js';
import type { CompatAccounts, CompatBot } from './bot-port.js';
import { LenientJsonError, parseLenientJson } from './lenient-json.js';
import { loginPage } from './login-page.js';
import type { SendSettings } from './send-item.js';
import { sendV1Json, sendV1Upload } from './send-v1.js';
import { sendV2 } from './send-v2.js';

export interface CompatListenerDeps {
  accounts: CompatAccounts;
  /** COMPAT_WECHATBOT_WEBHOOK_ACCOUNT: an account id or name; unset = the first account. */
  account?: string | undefined;
  tokens: TokenCheck;
  settings: SendSettings;
  /** Wakes `/sse` as soon as a login is journalled (else it ticks every second, as the original). */
  events?: EventLog;
  log: Logger;
  /** Largest JSON body and upload (default 25 MiB). */
  maxBodyBytes?: number;
}

/** The account this listener serves (resolved per request: accounts may be created after start). */
export function boundAccount(accounts: CompatAccounts, wanted: string | undefined): CompatBot | undefined {
  const list = accounts.list();
  const info = wanted ? (list.find((a) => a.id === wanted) ?? list.find((a) => a.name === wanted)) : list[0];
  return info ? accounts.get(info.id) : undefined;
}

const NOT_JSON = Symbol('not JSON');

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const displayName = (bot: CompatBot): string => bot.self?.remark || bot.self?.name || bot.id;

/**
 * @example
 *   const app = createCompatApp({ accounts: manager, tokens, settings, log });
 *   await listen(app, host, config.compat.port);
 */
export function createCompatApp(deps: CompatListenerDeps): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true;
  const log = deps.log.child({ ns: 'compat:wechatbot-webhook' });
  const max = deps.maxBodyBytes ?? 25 * 1024 * 1024;
  const json = (ctx: Koa.Context, status: number, body: unknown): void => {
    ctx.status = status;
    ctx.body = body;
  };
  // Whatever the Content-Type says, as the original parsed it.
  const readJson = async (ctx: Koa.Context): Promise<unknown> => {
    try {
      return parseLenientJson(await readBody(ctx.req, max));
    } catch (e) {
      if (e instanceof LenientJsonError) return NOT_JSON;
      throw e;
    }
  };
  const online = (bot: CompatBot | undefined): boolean => !!bot && bot.info().state === 'online';

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (e) {
      log.error({ err: e, path: ctx.path }, 'compat request failed');
      json(ctx, (e as { status?: number }).status === 413 ? 413 : 500, { success: false, message: ANSWERS.unknown });
    }
  });

  // Guard 1: the token, on every route (the login page's own SSE request may carry it in the Referer).
  app.use(async (ctx, next) => {
    const given = tokenOf(ctx.query, ctx.get('referer') || undefined, ctx.path === '/sse');
    if (!(await tokenPasses(deps.tokens, given, ctx.method))) return json(ctx, 401, { success: false, message: ANSWERS.unauthorized });
    await next();
  });

  app.use(async (ctx) => {
    const bot = boundAccount(deps.accounts, deps.account);
    const route = `${ctx.method} ${ctx.path}`;
    // Guard 2: sends and resources need a logged-in account.
    if (['POST /webhook/msg/v2', 'POST /webhook/msg', 'GET /resouces'].includes(route) && !online(bot)) {
      return json(ctx, 401, { success: false, message: ANSWERS.mustLogin });
    }
    switch (route) {
      case 'POST /webhook/msg/v2': {
        const body = await readJson(ctx);
        if (body === NOT_JSON) return json(ctx, 200, { success: false, message: ANSWERS.notJson });
        const answer = await sendV2(bot!, body, deps.settings);
        return json(ctx, answer.status, answer.body);
      }
      case 'POST /webhook/msg': {
        if (ctx.is('multipart/form-data')) {
          const upload = await readMultipart(ctx.req, max).catch((e: Error) => {
            throw Object.assign(e, { status: (e as { status?: number }).status === 413 ? 413 : 500 });
          });
          return json(ctx, 200, await sendV1Upload(bot!, upload, deps.settings));
        }
        const body = await readJson(ctx);
        if (body === NOT_JSON) return json(ctx, 200, { success: false, message: ANSWERS.notJson });
        return json(ctx, 200, await sendV1Json(bot!, body, deps.settings));
      }
      case 'GET /healthz':
        ctx.type = 'text/plain';
        ctx.body = online(bot) ? 'healthy' : 'unHealthy';
        return;
      case 'GET /login': {
        if (online(bot)) return json(ctx, 200, { success: true, message: ANSWERS.alreadyLogin(displayName(bot!)) });
        const info = bot?.info();
        ctx.type = 'text/html; charset=utf-8';
        ctx.body = loginPage({ ...(info?.qr && { qrDataUrl: info.qr.dataUrl, qrText: info.qr.text }), state: info?.state ?? 'missing' });
        return;
      }
      case 'GET /loginCheck': {
        if (online(bot)) return json(ctx, 200, { success: true, message: displayName(bot!) });
        return json(ctx, 200, { success: false, message: bot?.info().qr?.text ?? '' });
      }
      case 'GET /resouces': {
        const media = typeof ctx.query.media === 'string' ? ctx.query.media : '';
        try {
          if (!media) throw new Error('no media');
          const data = await bot!.transport.downloadAvatar(media);
          ctx.type = sniffImage(data);
          ctx.body = data;
        } catch (e) {
          log.debug({ err: e, media }, 'resource not fetched');
          json(ctx, 404, { success: false, message: ANSWERS.resourceFailed });
        }
        return;
      }
      case 'GET /sse':
        return streamLoginState(ctx, deps);
      default:
        ctx.status = 404;
        ctx.type = 'text/plain';
        ctx.body = '404 Not Found';
    }
  });
  return app;
}

function sniffImage(data: Buffer): string {
  if (data.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))) return 'image/jpeg';
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data.subarray(0, 3).toString('latin1') === 'GIF') return 'image/gif';
  return 'application/octet-stream';
}

/**
 * `/sse`: the original's endless stream, one event a second: `qrcode` with the QR text while
 * waiting for a scan, `login` with the `/login` message once logged in. A login journalled in the
 * event log wakes it at once.
 */
function streamLoginState(ctx: Koa.Context, deps: CompatListenerDeps): void {
  const sse = openSse(ctx);
  const tick = async (): Promise<void> => {
    while (!sse.signal.aborted) {
      // Noted before the state is read: a login committed between the read and the wait below still wakes it.
      const seen = deps.events?.wakes();
      const bot = boundAccount(deps.accounts, deps.account);
      if (bot && bot.info().state === 'online') await sse.write(sseFrame({ event: 'login', data: ANSWERS.alreadyLogin(displayName(bot)) }));
      else {
        const qr = bot?.info().qr;
        if (qr) await sse.write(sseFrame({ event: 'qrcode', data: qr.text }));
      }
      const second = AbortSignal.timeout(1000);
      if (deps.events) await deps.events.changed(AbortSignal.any([sse.signal, second]), seen);
      else await new Promise<void>((r) => AbortSignal.any([sse.signal, second]).addEventListener('abort', () => r(), { once: true }));
    }
  };
  tick().then(
    () => sse.end(),
    () => sse.end(),
  );
}
