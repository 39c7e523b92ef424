/**
 * The panel's route table: each route names its method, path, the least role that may use it, and
 * a small handler. One table (not scattered `router.get` calls) so a test can list every route and
 * prove each one refuses anonymous and CSRF-less requests.
 */
import type Koa from 'koa';
import type { AdminSession, AdminUser, Role } from './users-repo.js';
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

export interface CompiledRoute extends RouteDef {
  regex: RegExp;
  keys: string[];
}

/** Compile `/accounts/:id/x` patterns once. */
export function compile(defs: RouteDef[]): CompiledRoute[] {
  return defs.map((d) => {
    const keys: string[] = [];
    const pattern = d.path
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          keys.push(seg.slice(1));
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    return { ...d, keys, regex: new RegExp(`^${pattern}/?$`) };
  });
}

/** Find the route for a method and path; `methodMismatch` when the path exists with another method. */
export function match(
  routes: CompiledRoute[],
  method: string,
  path: string,
): { route: CompiledRoute; params: Record<string, string> } | { methodMismatch: true } | undefined {
  let mismatch = false;
  const m = method === 'HEAD' ? 'GET' : method;
  for (const r of routes) {
    const found = r.regex.exec(path);
    if (!found) continue;
    if (r.method !== m) {
      mismatch = true;
      continue;
    }
    const params: Record<string, string> = {};
    r.keys.forEach((k, i) => {
      try {
        params[k] = decodeURIComponent(found[i + 1]!);
      } catch {
        params[k] = found[i + 1]!;
      }
    });
    return { route: r, params };
  }
  return mismatch ? { methodMismatch: true } : undefined;
}

/** Throw an HTTP error (a named function, so TypeScript narrows after it: `ctx.throw` does not). */
export function fail(_ctx: Koa.Context | AdminContext, status: number, message: string): never {
  throw Object.assign(new Error(message), { status, expose: status < 500 });
}
