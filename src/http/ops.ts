/**
 * Operations endpoints: `/healthz` (the process is up, public), `/readyz` (the store answers and
 * every enabled account is online and syncing; public, so it says only ready or not: the reasons
 * name accounts and go to the log instead) and `/metrics` (Prometheus text, only with a valid API
 * token; `metricsServer` serves it without one on a separate, by default loopback, bind).
 */
import type Koa from 'koa';
import type { MetricsLater } from './metrics-later.js';
import type { Logger } from '../logger.js';

export interface ReadinessCheck {
  name: string;
  /** Resolve to undefined when fine, or a short reason when not ready. */
  check(): string | undefined | Promise<string | undefined>;
}

export interface OpsOptions {
  checks: ReadinessCheck[];
  log: Logger;
  metrics: MetricsLater;
  /** Whether this bearer token may read /metrics (any valid API token may). */
  metricsToken(token: string): Promise<boolean>;
}

async function problemsOf(checks: ReadinessCheck[]): Promise<Record<string, string>> {
  const problems: Record<string, string> = {};
  for (const c of checks) {
    try {
      const why = await c.check();
      if (why) problems[c.name] = why;
    } catch (e) {
      problems[c.name] = (e as Error).message;
    }
  }
  return problems;
}

/** The Prometheus answer of `metrics` (its registry is made at the first one). */
export async function serveMetrics(ctx: Koa.Context, metrics: MetricsLater): Promise<void> {
  const registry = metrics.registry();
  ctx.type = registry.contentType;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = await registry.metrics();
}

/** @example app.use(opsMiddleware({ checks, log, metrics: registry, metricsToken: async (t) => !!(await tokens.verify(t)) })); */
export function opsMiddleware(options: OpsOptions): Koa.Middleware {
  let lastProblems = '';
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok', uptime: Math.round(process.uptime()) };
      return;
    }
    if (ctx.path === '/readyz') {
      const problems = await problemsOf(options.checks);
      const ready = Object.keys(problems).length === 0;
      // Logged when the reasons change, not on every probe.
      const shown = JSON.stringify(problems);
      if (shown !== lastProblems) options.log.info({ ready, problems }, ready ? 'ready' : 'not ready');
      lastProblems = shown;
      ctx.status = ready ? 200 : 503;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { status: ready ? 'ready' : 'not ready' };
      return;
    }
    if (ctx.path === '/metrics') {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
      if (!m || !(await options.metricsToken(m[1]!))) {
        ctx.status = 401;
        ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
        ctx.body = { error: { code: 'unauthorized', message: 'Send Authorization: Bearer <API token>, or scrape METRICS_HOST:METRICS_PORT.' } };
        return;
      }
      return serveMetrics(ctx, options.metrics);
    }
    return next();
  };
}

/** The app of the separate metrics bind (METRICS_PORT): /metrics without a token, nothing else. */
export function metricsOnlyMiddleware(metrics: MetricsLater): Koa.Middleware {
  return async (ctx) => {
    if ((ctx.method === 'GET' || ctx.method === 'HEAD') && ctx.path === '/metrics') return serveMetrics(ctx, metrics);
    ctx.status = 404;
    ctx.body = 'not found';
  };
}
