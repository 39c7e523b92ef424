/** Panel users (admins only): list, create with a role, change a role, reset a password, delete. */
import { hashPassword, passwordProblem } from '../passwords.js';
import { fail, type AdminContext, type RouteDef } from '../router.js';
import { ROLES, type Role } from '../user-record.js';
import { audit, back, field, page, type Services } from '../services.js';

const USERNAME = /^[\p{L}\p{N}_.@-]{1,64}$/u;

export function userRoutes(s: Services): RouteDef[] {
  /** The users page; after a refused change, with why (`error`, status 422) and the new user's name and role as typed (never the password). */
  const list = async (ctx: AdminContext, error?: string, draft: { username: string; role: string } = { username: '', role: '' }): Promise<void> => {
    if (error && ctx.accepts('html', 'json') === 'json') fail(ctx, 422, error);
    if (error) ctx.status = 422;
    page(s, ctx, 'users', { title: ctx.state.t('users.title'), users: await s.users.list(), roles: ROLES, error, draft });
  };
  /** The user the route names, with their name (404 when there is none). */
  const target = async (ctx: AdminContext): Promise<{ id: number; username: string }> => {
    const id = Number(ctx.state.params.uid);
    const user = await s.users.get(id);
    if (!user) fail(ctx, 404, ctx.state.t('error.noUser'));
    return user;
  };
  const lastAdmin = async (id: number): Promise<boolean> => {
    const admins = (await s.users.list()).filter((u) => u.role === 'admin');
    return admins.length === 1 && admins[0]!.id === id;
  };
  return [
    { method: 'GET', path: '/users', access: 'admin', handler: (ctx) => list(ctx) },
    {
      method: 'POST',
      path: '/users',
      access: 'admin',
      handler: async (ctx) => {
        const t = ctx.state.t;
        const username = field(ctx, 'username').trim();
        const role = field(ctx, 'role') as Role;
        const password = field(ctx, 'password');
        const problem = !USERNAME.test(username)
          ? 'user.badName'
          : !ROLES.includes(role)
            ? 'user.badRole'
            : (await s.users.byName(username))
              ? 'user.exists'
              : passwordProblem(password);
        if (problem) return list(ctx, t(problem), { username, role });
        await s.users.create({ username, role, passwordHash: await hashPassword(password) });
        await audit(s, ctx, 'user.create', username, { role });
        back(ctx, '/users', 'flash.saved');
      },
    },
    {
      method: 'POST',
      path: '/users/:uid/role',
      access: 'admin',
      handler: async (ctx) => {
        const { id, username } = await target(ctx);
        const role = field(ctx, 'role') as Role;
        if (!ROLES.includes(role)) return list(ctx, ctx.state.t('user.badRole'));
        if (role !== 'admin' && (await lastAdmin(id))) return list(ctx, ctx.state.t('user.lastAdmin'));
        await s.users.setRole(id, role);
        await s.users.endSessionsOf(id);
        await audit(s, ctx, 'user.role', username, { role });
        back(ctx, '/users', 'flash.saved');
      },
    },
    {
      method: 'POST',
      path: '/users/:uid/password',
      access: 'admin',
      handler: async (ctx) => {
        const { id, username } = await target(ctx);
        const password = field(ctx, 'password');
        const problem = passwordProblem(password);
        if (problem) return list(ctx, ctx.state.t(problem));
        await s.users.setPassword(id, await hashPassword(password));
        // Other sessions of that user end; the admin's own session stays when it is theirs.
        await s.users.endSessionsOf(id);
        await audit(s, ctx, 'user.password', username);
        if (id === ctx.state.user!.id) return ctx.redirect('/login');
        back(ctx, '/users', 'flash.saved');
      },
    },
    {
      method: 'POST',
      path: '/users/:uid/delete',
      access: 'admin',
      handler: async (ctx) => {
        const { id, username } = await target(ctx);
        if (await lastAdmin(id)) return list(ctx, ctx.state.t('user.lastAdmin'));
        await s.users.remove(id);
        await audit(s, ctx, 'user.delete', username);
        back(ctx, '/users', 'flash.deleted');
      },
    },
  ];
}
