/**
 * A middleware whose module is imported on the first request that needs it, behind the same
 * listener: the admin panel and the HTTP API weigh megabytes (EJS, routes, zod schemas, the OpenAPI
 * document) that a bot nobody looks at never uses. Concurrent first requests share one import. If
 * the import or the build fails, each request that needed it gets a 503 saying what could not be
 * loaded and why (logged once per failed attempt), and the next request tries again.
 */
import type Koa from 'koa';
import type { Logger } from '../logger.js';
import { messageOf } from '../util/error-text.js';

export interface LazyMiddleware<M extends Koa.Middleware> extends Koa.Middleware {
  /** The middleware once a request has built it. */
  built(): M | undefined;
}

export interface LazyOptions<M extends Koa.Middleware> {
  /** What is loaded, for the error answer and the log: "the admin panel". */
  what: string;
  /** Import the module and build the middleware. */
  build: () => Promise<M>;
  log: Logger;
  /** The paths it serves; others go to `next()` without loading anything. Default: every path. */
  owns?: (path: string) => boolean;
}

/**
 * @example
 *   app.use(lazyMiddleware({ what: 'the HTTP API', build: async () => (await import('../api/middleware.js')).createApiMiddleware(deps), log, owns: isApiPath }));
 */
export function lazyMiddleware<M extends Koa.Middleware>(o: LazyOptions<M>): LazyMiddleware<M> {
  let pending: Promise<M> | undefined;
  let built: M | undefined;
  const load = (): Promise<M> =>
    (pending ??= o.build().then(
      (mw) => {
        built = mw;
        return mw;
      },
      (err: unknown) => {
        pending = undefined;
        o.log.error({ err }, `${o.what} could not be loaded`);
        throw err;
      },
    ));
  const middleware: Koa.Middleware = async (ctx, next) => {
    if (o.owns && !o.owns(ctx.path)) return next();
    let mw: M;
    try {
      mw = built ?? (await load());
    } catch (err) {
      const message = `weiroto: ${o.what} could not be loaded: ${messageOf(err)}`;
      ctx.status = 503;
      if (ctx.accepts('html', 'json') === 'json') ctx.body = { error: { code: 'unavailable', message } };
      else {
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = message;
      }
      return;
    }
    return mw(ctx, next);
  };
  return Object.assign(middleware, { built: () => built });
}
