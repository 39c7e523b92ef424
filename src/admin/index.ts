/**
 * The admin panel as a factory: `createAdminMiddleware(deps)` for the server's one Koa app, and
 * `createAdminApp(deps)` (a Koa app that does not listen) for tests. Server-rendered EJS pages with
 * a layout, SSE for the live parts, scrypt passwords, signed session cookies, CSRF on every
 * state-changing request, security headers and an audit log of every change.
 */
import { UnsupportedError } from '../transport/capabilities.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Koa from 'koa';
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { MetricsLater } from '../http/metrics-later.js';
import { packageRoot } from '../util/paths.js';
import type { AdminDeps } from './deps.js';
import { pickLocale, translator } from './i18n.js';
import { createRenderer } from './render.js';
import { allowed, fail, routerOf, type AdminContext, type AdminState, type RouteDef } from './router.js';
import { newToken, safeEqual, securityHeaders } from './security.js';
import { createAdminCore, type AdminCore } from './core.js';
import { LoginThrottle } from './login-throttle.js';
import { hostAllowlist } from '../http/host-guard.js';
import { requestErrorLogger } from '../http/request-errors.js';
import { createSseHub } from './sse.js';
import { parseMultipart } from './body.js';
import { page, type Services } from './services.js';
import { adaptTokens } from './tokens-adapter.js';
import { authRoutes } from './routes/auth-routes.js';
import { accountRoutes } from './routes/account-routes.js';
import { dashboardRoutes } from './routes/dashboard-routes.js';
import { directoryRoutes } from './routes/directory-routes.js';
import { messageRoutes } from './routes/message-routes.js';
import { pluginRoutes } from './routes/plugin-routes.js';
import { pluginTestRoutes } from './routes/plugin-test-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import { userRoutes } from './routes/user-routes.js';
import { logRoutes } from './routes/log-routes.js';
import { nodeRoutes } from './routes/node-routes.js';

export type { AdminDeps, AdminManager, AdminBot, AdminRegistry, AdminPluginHost } from './deps.js';
export type { RouteDef, Access } from './router.js';

export { SESSION_COOKIE_NAME as SESSION_COOKIE, PRE_CSRF_COOKIE_NAME as PRE_COOKIE } from './cookies.js';
import { SESSION_COOKIE_NAME as SESSION_COOKIE, PRE_CSRF_COOKIE_NAME as PRE_COOKIE } from './cookies.js';

export interface AdminHandle {
  middleware: Koa.Middleware;
  /** Every route of the panel (method, path, least role). */
  routes: RouteDef[];
  /** The @koa/router that serves `routes` (tests check that it registers exactly these). */
  router: Router<AdminState>;
  /** What /metrics serves (its registry is made at the first scrape). */
  metrics: MetricsLater;
  /**
   * On a fresh install (no admin yet, once ADMIN_PASSWORD has been applied): the one-time code that
   * lets a visitor who is not on this machine claim /setup. The server prints it in its log.
   */
  setupCode(): Promise<string | undefined>;
  /** End SSE streams and unsubscribe from the account manager. Idempotent. */
  close(): void;
}

export type AdminMiddleware = Koa.Middleware & Omit<AdminHandle, 'middleware'>;

/**
 * The panel as one Koa middleware for every path it owns (pages, SSE, assets, /metrics); other
 * paths get the panel's 404 page, so mount it last.
 *
 * @example
 *   const admin = createAdminMiddleware({ manager, registry, store, webhooks, tokens, log, config });
 *   app.use(ops).use(api).use(admin);
 *   // on stop: admin.close();
 */
export function createAdminMiddleware(deps: AdminDeps): AdminMiddleware {
  const h = buildAdmin(deps);
  return Object.assign(h.middleware, { close: h.close, routes: h.routes, router: h.router, metrics: h.metrics, setupCode: h.setupCode });
}

/**
 * A Koa app serving only the panel (does not listen). `app.adminHandle.close()` ends its streams.
 *
 * @example
 *   const app = createAdminApp(deps);
 *   const http = await listen(app, '127.0.0.1', 0);
 */
export function createAdminApp(deps: AdminDeps): Koa & { adminHandle: AdminHandle } {
  const h = buildAdmin(deps);
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.on('error', requestErrorLogger(deps.log, 'admin: request failed'));
  app.use(h.middleware);
  return Object.assign(app, { adminHandle: h });
}

function loadAssets(): Map<string, { body: Buffer; type: string }> {
  const root = packageRoot();
  const assets = new Map<string, { body: Buffer; type: string }>();
  const typeOf = (name: string): string =>
    name.endsWith('.js')
      ? 'application/javascript; charset=utf-8'
      : name.endsWith('.css')
        ? 'text/css; charset=utf-8'
        : name.endsWith('.svg')
          ? 'image/svg+xml'
          : 'application/octet-stream';
  for (const name of readdirSync(join(root, 'public'))) {
    if (/^[\w.-]+$/.test(name)) assets.set(name, { body: readFileSync(join(root, 'public', name)), type: typeOf(name) });
  }
  assets.set('chart.umd.js', { body: readFileSync(join(root, 'node_modules', 'chart.js', 'dist', 'chart.umd.js')), type: typeOf('x.js') });
  return assets;
}

/**
 * The form parser (qs) turns a field repeated more than 20 times into an object keyed "0", "1", …;
 * a settings form repeats `seen` once per field, so such objects become arrays again.
 */
function normaliseForm(form: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(form)) {
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).every((x) => /^\d+$/.test(x))
        ? Object.entries(v as Record<string, unknown>)
            .sort(([a], [b]) => Number(a) - Number(b))
            .map(([, x]) => x)
        : v;
  }
  return out;
}

function buildAdmin(deps: AdminDeps): AdminHandle {
  const core = createAdminCore(deps);
  const panel = buildPanel(core);
  return {
    ...panel,
    close() {
      panel.close();
      core.close();
    },
  };
}

/**
 * The pages over a core that already runs (the server builds the core at start and the pages on the
 * first request). `close()` ends the SSE streams; the core is closed by its owner.
 */
export function buildPanel(core: AdminCore): AdminHandle {
  const { deps, clock, users, signer, keyLoaded } = core;
  const s: Services = {
    deps,
    clock,
    users,
    render: createRenderer(join(packageRoot(), 'views')),
    signer,
    throttle: new LoginThrottle(() => clock.now(), deps.loginThrottle),
    sse: createSseHub(),
    webhooks: core.webhooks,
    tokens: adaptTokens(deps.tokens),
    friendRequests: core.friendRequests,
    avatars: new Map(),
    sessionTtlMs: deps.sessionTtlMs ?? 12 * 3600_000,
    secureCookies: deps.secureCookies ?? false,
    setupGate: core.setupGate,
    seeded: core.seeded,
  };
  const defs: RouteDef[] = [
    ...authRoutes(s),
    ...accountRoutes(s),
    ...dashboardRoutes(s),
    ...directoryRoutes(s),
    ...messageRoutes(s),
    ...pluginRoutes(s),
    ...pluginTestRoutes(s),
    ...webhookRoutes(s),
    ...userRoutes(s),
    ...logRoutes(s),
    ...nodeRoutes(s),
  ];
  /** What every route passes before its handler, in this order: setup done, logged in, role, body, CSRF. */
  const guard =
    (route: RouteDef): Koa.Middleware<AdminState> =>
    async (rawCtx, next) => {
      const ctx = rawCtx as AdminContext;
      const st = ctx.state;
      // Until the first admin exists, every page leads to the setup form.
      if (route.access !== 'public' && (await users.count()) === 0) {
        if (ctx.method === 'GET' && !route.stream) return void ctx.redirect('/setup');
        fail(ctx, 403, st.t('error.setupFirst'));
      }
      if (!st.user && route.access !== 'public') {
        if (ctx.method === 'GET' && !route.stream) return void ctx.redirect(`/login?next=${encodeURIComponent(ctx.originalUrl)}`);
        fail(ctx, 401, st.t('error.loginFirst'));
      }
      if (!allowed(st.user?.role, route.access)) fail(ctx, 403, st.t('error.forbidden'));
      if (ctx.method === 'POST') {
        const multipart = ctx.is('multipart/form-data') === 'multipart/form-data';
        if (multipart) {
          if (!route.multipart) fail(ctx, 415, st.t('error.unsupportedBody'));
          const parsed = await parseMultipart(ctx);
          st.form = parsed.form;
          st.files = parsed.files;
        } else {
          await parseForm(ctx, async () => {});
          const body = (ctx.request as unknown as { body?: unknown }).body;
          st.form = body && typeof body === 'object' && !Array.isArray(body) ? normaliseForm(body as Record<string, unknown>) : {};
        }
        const sent = ctx.get('x-csrf-token') || (typeof st.form._csrf === 'string' ? st.form._csrf : '');
        if (!sent || !st.csrf || !safeEqual(sent, st.csrf)) fail(ctx, 403, st.t('error.csrf'));
      }
      await next();
    };
  const router = routerOf(defs, guard);
  const dispatch = router.routes();
  const hostAllowed = hostAllowlist(deps.config);
  const assets = loadAssets();
  const parseForm = bodyParser({ enableTypes: ['form', 'json'], formLimit: '1mb', jsonLimit: '2mb' });

  const middleware: Koa.Middleware = async (rawCtx, next) => {
    const ctx = rawCtx as AdminContext;
    const t0 = ctx.state as Partial<AdminState>;
    t0.locale = pickLocale(undefined, ctx.get('accept-language'));
    t0.t = translator(t0.locale);
    t0.params = {};
    t0.form = {};
    t0.files = [];
    t0.csrf = '';
    try {
      await keyLoaded;
      await handle(ctx);
    } catch (err) {
      const e = err as Error & { status?: number; expose?: boolean };
      // A control the account's transport cannot serve (an iLink bot has no rooms…): say so, not "internal error".
      const status = err instanceof UnsupportedError ? 422 : typeof e.status === 'number' && e.status >= 400 && e.status < 600 ? e.status : 500;
      ctx.status = status;
      if (status >= 500) ctx.app.emit('error', err, ctx);
      const message = status < 500 && e.expose !== false ? e.message : ctx.state.t('error.internal');
      if (ctx.accepts('html', 'json') === 'json' || ctx.state.route?.stream) ctx.body = { error: { code: status, message } };
      else page(s, ctx, 'error', { status, message, title: ctx.state.t('error.title') });
    }
    void next;
  };

  async function handle(ctx: AdminContext): Promise<void> {
    ctx.set('Vary', 'Cookie, Accept-Language');
    await securityHeaders()(ctx, async () => {
      const forwardedHost = ctx.app.proxy ? ctx.get('x-forwarded-host') : '';
      if (!hostAllowed(ctx.get('host')) || (forwardedHost && !hostAllowed(forwardedHost))) {
        fail(ctx, 421, ctx.state.t('error.unknownHost', { host: forwardedHost || ctx.get('host') }));
      }
      if (ctx.path.startsWith('/assets/')) {
        const asset = assets.get(ctx.path.slice('/assets/'.length));
        if (!asset || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) fail(ctx, 404, ctx.state.t('error.notFound'));
        ctx.type = asset.type;
        ctx.set('Cache-Control', 'public, max-age=3600');
        ctx.body = asset.body;
        return;
      }
      await s.seeded;
      await loadSession(ctx);
      // The router decides 404 and 405 before any check, as the panel always has.
      const matched = router.match(ctx.path, ctx.method);
      if (!matched.route) {
        if (matched.path.some((layer) => layer.methods.length > 0)) fail(ctx, 405, ctx.state.t('error.method'));
        fail(ctx, 404, ctx.state.t('error.notFound'));
      }
      await dispatch(ctx as unknown as Parameters<typeof dispatch>[0], async () => {});
    });
  }

  async function loadSession(ctx: AdminContext): Promise<void> {
    const st = ctx.state;
    const sid = signer.unsign(ctx.cookies.get(SESSION_COOKIE));
    const session = sid ? await users.session(sid) : undefined;
    if (session) {
      st.session = session;
      st.user = session.user;
      st.csrf = session.csrf;
      st.locale = pickLocale(session.user.locale, ctx.get('accept-language'));
      st.t = translator(st.locale);
      return;
    }
    // Before login, forms carry a token tied to a signed cookie (double submit).
    let token = signer.unsign(ctx.cookies.get(PRE_COOKIE));
    if (!token) {
      token = newToken();
      ctx.cookies.set(PRE_COOKIE, signer.sign(token), {
        httpOnly: true,
        sameSite: 'lax',
        secure: s.secureCookies || ctx.secure,
        signed: false,
        overwrite: true,
      });
    }
    st.csrf = token;
  }

  let closed = false;
  return {
    middleware,
    routes: defs,
    router,
    metrics: core.metrics,
    setupCode: core.setupCode,
    close() {
      if (closed) return;
      closed = true;
      s.sse.closeAll();
    },
  };
}
