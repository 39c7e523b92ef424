/**
 * Operations endpoints: `/healthz` (the process is up), `/readyz` (the store answers and every
 * enabled account is online and syncing). `/metrics` is added by the metrics module.
 */
import type Koa from 'koa';

export interface ReadinessCheck {
  name: string;
  /** Resolve to undefined when fine, or a short reason when not ready. */
  check(): string | undefined | Promise<string | undefined>;
}

export function opsMiddleware(checks: ReadinessCheck[]): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok', uptime: Math.round(process.uptime()) };
      return;
    }
    if (ctx.path === '/readyz') {
      const problems: Record<string, string> = {};
      for (const c of checks) {
        try {
          const why = await c.check();
          if (why) problems[c.name] = why;
        } catch (e) {
          problems[c.name] = (e as Error).message;
        }
      }
      const ready = Object.keys(problems).length === 0;
      ctx.status = ready ? 200 : 503;
      ctx.body = ready ? { status: 'ready' } : { status: 'not ready', problems };
      return;
    }
    return next();
  };
}
