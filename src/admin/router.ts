/**
 * The panel's route table: each route names its method, path, the least role that may use it, and
 * a small handler. One table (not scattered `router.get` calls) so a test can list every route and
 * prove each one refuses anonymous and CSRF-less requests.
 */
import type Koa from 'koa';
import Router from '@koa/router';
import type { AdminSession, AdminUser, Role } from './user-record.js';
import type { Locale, Translate } from './i18n.js';

export type Access = 'public' | Role;

export interface UploadedFile {
  field: string;
  name: string;
  mimeType: string;
  data: Buffer;
}

export interface AdminState {
  user?: AdminUser;
  session?: AdminSession;
  /** The CSRF token forms and fetch calls must send back. */
  csrf: string;
  locale: Locale;
  t: Translate;
  params: Record<string, string>;
  /** Parsed form or JSON body (string values; repeated fields as arrays). */
  form: Record<string, unknown>;
  files: UploadedFile[];
  route?: RouteDef;
}

export type AdminContext = Koa.ParameterizedContext<AdminState>;
export type Handler = (ctx: AdminContext) => Promise<void> | void;

export interface RouteDef {
  method: 'GET' | 'POST';
  path: string;
  access: Access;
  handler: Handler;
  /** Accepts multipart/form-data (file uploads). */
  multipart?: boolean;
  /** A long-lived event stream (answers 401 instead of redirecting to the login page). */
  stream?: boolean;
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Whether a user with `role` may use a route with `access`. */
export function allowed(role: Role | undefined, access: Access): boolean {
  if (access === 'public') return true;
  return role !== undefined && RANK[role] >= RANK[access];
}

/**
 * The route table as a @koa/router (the library the API uses): a matching route sets
 * `ctx.state.route` and `ctx.state.params`, runs `guard` (the checks every panel route passes
 * before its handler: setup, login, role, body, CSRF), then its handler. Paths are case-sensitive
 * and take an optional trailing slash; HEAD is served by the GET route.
 *
 * @example
 *   const router = routerOf(defs, (route) => checks(route));
 *   if (!router.match(ctx.path, ctx.method).route) fail(ctx, 404, 'not found');
 *   await router.routes()(ctx, next);
 */
export function routerOf(defs: RouteDef[], guard: (route: RouteDef) => Koa.Middleware<AdminState>): Router<AdminState> {
  const router = new Router<AdminState>({ sensitive: true });
  for (const route of defs) {
    router.register(
      route.path,
      [route.method],
      [
        async (ctx, next) => {
          ctx.state.route = route;
          ctx.state.params = ctx.params;
          await next();
        },
        guard(route),
        (ctx) => route.handler(ctx as unknown as AdminContext),
      ],
    );
  }
  return router;
}

/** Throw an HTTP error (a named function, so TypeScript narrows after it: `ctx.throw` does not). */
export function fail(_ctx: Koa.Context | AdminContext, status: number, message: string): never {
  throw Object.assign(new Error(message), { status, expose: status < 500 });
}
