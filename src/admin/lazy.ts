/**
 * The panel as the server mounts it: the core (cookie key, first admin, setup code, friend
 * requests, /metrics figures) runs from the start; the pages (EJS views, routes, forms, assets)
 * are imported on the first request that reaches the panel. Mount it last: it answers unknown
 * paths with its 404 page.
 */
import type Koa from 'koa';
import type { MetricsLater } from '../http/metrics-later.js';
import { lazyMiddleware } from '../http/lazy-middleware.js';
import { createAdminCore } from './core.js';
import type { AdminDeps } from './deps.js';

export interface LazyAdmin extends Koa.Middleware {
  /** What /metrics serves (the panel's figures are defined on it from the start). */
  metrics: MetricsLater;
  /** See AdminCore.setupCode. */
  setupCode(): Promise<string | undefined>;
  /** Whether a request has loaded the pages yet. */
  loaded(): boolean;
  /** End SSE streams and unsubscribe from the account manager. Idempotent. */
  close(): void;
}

/**
 * @example
 *   const admin = createLazyAdminMiddleware(deps);
 *   app.use(ops).use(api).use(admin);
 *   // on stop: admin.close();
 */
export function createLazyAdminMiddleware(deps: AdminDeps, load = () => import('./index.js')): LazyAdmin {
  const core = createAdminCore(deps);
  const pages = lazyMiddleware({
    what: 'the admin panel',
    build: async () => {
      const { buildPanel } = await load();
      // The plugins page lists every plugin with its form: plugins known by their manifests only are loaded first.
      await deps.registry.loadAll?.();
      const panel = buildPanel(core);
      return Object.assign(panel.middleware, { close: panel.close });
    },
    log: deps.log,
  });
  return Object.assign(pages, {
    metrics: core.metrics,
    setupCode: core.setupCode,
    loaded: () => pages.built() !== undefined,
    close() {
      pages.built()?.close();
      core.close();
    },
  });
}
