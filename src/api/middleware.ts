/**
 * The HTTP API under `/api/v1` as one Koa middleware: bearer tokens, per-token rate limits, JSON
 * and multipart bodies, `Idempotency-Key`, the routes, the OpenAPI document, and the signed media
 * links under `/media`. Everything else goes to `next()`.
 */
import { createHash } from 'node:crypto';
import type Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { systemClock } from '../util/clock.js';
import { ApiError, errorMiddleware } from './errors.js';
import { RateLimiter } from './rate-limit.js';
import { readMultipart, type MultipartBody } from './multipart.js';
import { accountRoutes } from './accounts-routes.js';
import { accountCreateRoutes } from './account-create-route.js';
import { webhookRoutes } from './webhook-routes.js';
import { eventsRoute } from './events-route.js';
import { nodesRoute } from './nodes-route.js';
import { mediaMiddleware } from './media-route.js';
import { openApiDocument } from './openapi.js';
import type { ApiToken } from './api-token.js';
import type { ApiDeps } from './types.js';
import { API_PREFIX, isApiPath } from './paths.js';

export { API_PREFIX };

type Composed = (ctx: Koa.Context) => Promise<void>;

/**
 * `GET /events?access_token=…`: a browser's EventSource cannot send an Authorization header, so the
 * event stream (and only it: a token in a URL can end up in histories and proxy logs) also takes
 * the token from the query. weiroto's own log lines never carry query strings, and the logger
 * scrubs `access_token=` out of any text.
 */
function streamToken(ctx: Koa.Context): string | undefined {
  if (ctx.method !== 'GET' || ctx.path !== `${API_PREFIX}/events`) return undefined;
  const t = ctx.query.access_token;
  return typeof t === 'string' && t !== '' ? t : undefined;
}

function compose(mws: Koa.Middleware[]): Composed {
  return (ctx) => {
    const run = (i: number): Promise<void> => {
      const mw = mws[i];
      return mw ? Promise.resolve(mw(ctx, () => run(i + 1))).then(() => undefined) : Promise.resolve();
    };
    return run(0);
  };
}

export interface ApiMiddleware extends Koa.Middleware {
  /** The router (the OpenAPI test walks its routes). */
  router: Router;
}

/**
 * @example
 *   app.use(createApiMiddleware({ manager, registry, store, webhooks, tokens, log, config }));
 */
export function createApiMiddleware(deps: ApiDeps): ApiMiddleware {
  const clock = deps.clock ?? systemClock;
  const log = deps.log.child({ ns: 'api' });
  const limiter = new RateLimiter(deps.rateLimit ?? { capacity: 60, refillPerSec: 10 }, () => clock.now());
  const idempotency = deps.store.idempotency;
  const maxUpload = deps.maxUploadBytes ?? 25 * 1024 * 1024;
  const router = new Router({ prefix: API_PREFIX });
  const doc = openApiDocument();

  router.get('/openapi.json', (ctx) => {
    ctx.body = doc;
  });
  accountRoutes(router, deps, {
    idempotencyKeyOf: (ctx) => {
      const key = ctx.state.idempotencyKey as string | undefined;
      const token = ctx.state.token as ApiToken | undefined;
      return key && token ? `api:${token.id}:${key}` : undefined;
    },
  });
  accountCreateRoutes(router, deps);
  webhookRoutes(router, deps);
  eventsRoute(router, deps);
  nodesRoute(router, deps);

  const auth: Koa.Middleware = async (ctx, next) => {
    if (ctx.path === `${API_PREFIX}/openapi.json`) return next();
    const header = ctx.get('authorization');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const secret = m ? m[1]! : streamToken(ctx);
    if (secret === undefined)
      throw new ApiError(401, 'unauthorized', 'Send Authorization: Bearer <token> (tokens are made in the panel).', undefined, {
        'www-authenticate': 'Bearer',
      });
    const token = await deps.tokens.verify(secret);
    if (!token) throw new ApiError(401, 'unauthorized', 'This token is unknown or revoked.', undefined, { 'www-authenticate': 'Bearer error="invalid_token"' });
    if (token.readOnly && !['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) {
      throw new ApiError(403, 'read_only_token', 'This token is read-only.');
    }
    ctx.state.token = token;
    const wait = limiter.take(token.id);
    if (wait > 0) {
      throw new ApiError(429, 'rate_limited', 'Too many requests for this token; slow down.', undefined, {
        'retry-after': String(Math.max(1, Math.ceil(wait / 1000))),
      });
    }
    await next();
  };

  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', encoding: 'utf-8' });
  const body: Koa.Middleware = async (ctx, next) => {
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(ctx.method)) return next();
    if (ctx.is('multipart/form-data')) {
      ctx.state.multipart = await readMultipart(ctx.req, maxUpload);
      return next();
    }
    const hasBody = Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding') !== '';
    if (hasBody && !ctx.is('application/json', '+json')) {
      throw new ApiError(415, 'unsupported_media_type', 'Send JSON (application/json) or multipart/form-data.');
    }
    return json(ctx, next);
  };

  const idem: Koa.Middleware = async (ctx, next) => {
    const key = ctx.get('idempotency-key');
    if (!key || ctx.method === 'GET') return next();
    if (key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) throw new ApiError(400, 'bad_request', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
    const token = ctx.state.token as ApiToken;
    const h = createHash('sha256').update(`${ctx.method} ${ctx.path}?${ctx.querystring}\n`);
    const mp = ctx.state.multipart as MultipartBody | undefined;
    if (mp) h.update(JSON.stringify(mp.fields)).update(mp.file ? createHash('sha256').update(mp.file.data).digest('hex') + mp.file.name : '');
    else h.update((ctx.request as { rawBody?: string }).rawBody ?? '');
    const hash = h.digest('hex');
    const found = await idempotency.begin(token.id, key, hash);
    if (found.kind === 'mismatch') throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request.');
    if (found.kind === 'running') throw new ApiError(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still being handled.');
    if (found.kind === 'replay') {
      ctx.status = found.answer.status;
      ctx.body = found.answer.body;
      ctx.set('idempotent-replayed', 'true');
      return;
    }
    ctx.state.idempotencyKey = key;
    try {
      await next();
    } catch (e) {
      await idempotency.abandon(token.id, key);
      throw e;
    }
    if (ctx.status >= 500) await idempotency.abandon(token.id, key);
    else await idempotency.finish(token.id, key, { status: ctx.status, body: ctx.body ?? null });
  };

  const notFound: Koa.Middleware = (ctx) => {
    const m = router.match(ctx.path, ctx.method);
    if (m.path.length) {
      const allowed = [...new Set(m.path.flatMap((l) => l.methods))];
      throw new ApiError(405, 'method_not_allowed', `${ctx.method} is not allowed here (use ${allowed.join(', ')}).`, undefined, { allow: allowed.join(', ') });
    }
    throw new ApiError(404, 'not_found', `No API route ${ctx.method} ${ctx.path}.`);
  };

  const api = compose([errorMiddleware(log), auth, body, idem, router.routes() as Koa.Middleware, notFound]);
  const media = mediaMiddleware(deps);

  const mw = (async (ctx, next) => {
    if (!isApiPath(ctx.path)) return next();
    return ctx.path.startsWith('/media/') ? media(ctx, next) : api(ctx);
  }) as ApiMiddleware;
  mw.router = router;
  return mw;
}
