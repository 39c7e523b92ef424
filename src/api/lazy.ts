/**
 * The HTTP API as the server mounts it: its module (routes, zod schemas, the OpenAPI document) is
 * imported on the first request under `/api/v1` or `/media/`, not at start.
 */
import { lazyMiddleware, type LazyMiddleware } from '../http/lazy-middleware.js';
import type { ApiMiddleware } from './middleware.js';
import { isApiPath } from './paths.js';
import type { ApiDeps } from './types.js';

/**
 * @example app.use(createLazyApiMiddleware(deps));
 */
export function createLazyApiMiddleware(deps: ApiDeps, load = () => import('./middleware.js')): LazyMiddleware<ApiMiddleware> {
  const build = async (): Promise<ApiMiddleware> => {
    const { createApiMiddleware } = await load();
    // The API lists every plugin with its schema: plugins known by their manifests only are loaded first.
    await deps.registry.loadAll?.();
    return createApiMiddleware(deps);
  };
  return lazyMiddleware({ what: 'the HTTP API', build, log: deps.log, owns: isApiPath });
}
