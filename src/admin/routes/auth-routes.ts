/** First-run setup, login, logout and the language switch. */
import { SESSION_COOKIE_NAME } from '../cookies.js';
import { DUMMY_HASH, hashPassword, needsRehash, passwordProblem, verifyPassword } from '../passwords.js';
import { isLocale, pickLocale, translator } from '../i18n.js';
import { fail, type AdminContext, type RouteDef } from '../router.js';
import { fromLoopback } from '../setup-gate.js';
import { audit, back, field, page, type Services } from '../services.js';

/** Only local paths: an open redirect through `next` would send users anywhere. */
function safeNext(next: string): string {
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/accounts';
}

const USERNAME = /^[\p{L}\p{N}_.@-]{1,64}$/u;

export function authRoutes(s: Services): RouteDef[] {
  const startSession = async (ctx: AdminContext, userId: number): Promise<void> => {
    const session = await s.users.createSession(userId, s.sessionTtlMs);
    ctx.cookies.set(SESSION_COOKIE_NAME, s.signer.sign(session.id), {
      httpOnly: true,
      sameSite: 'lax',
      secure: s.secureCookies || ctx.secure,
      maxAge: s.sessionTtlMs,
      signed: false,
      overwrite: true,
    });
  };

  const setupPage = (ctx: AdminContext, error: string | undefined, username: string): void => {
    const code = typeof ctx.query.code === 'string' ? ctx.query.code : field(ctx, 'code');
    page(s, ctx, 'setup', { title: ctx.state.t('setup.title'), error, username, needsCode: !fromLoopback(ctx), code });
  };

  return [
    {
      method: 'GET',
      path: '/setup',
      access: 'public',
      handler: async (ctx) => {
        if ((await s.users.count()) > 0) return ctx.redirect('/login');
        setupPage(ctx, undefined, 'admin');
      },
    },
    {
      method: 'POST',
      path: '/setup',
      access: 'public',
      handler: async (ctx) => {
        const t = ctx.state.t;
        if ((await s.users.count()) > 0) fail(ctx, 403, t('setup.done'));
        const username = field(ctx, 'username').trim() || 'admin';
        if (!s.setupGate.admits(ctx, field(ctx, 'code').trim())) {
          ctx.status = 403;
          return setupPage(ctx, t('setup.badCode'), username);
        }
        const password = field(ctx, 'password');
        const problem = !USERNAME.test(username)
          ? 'user.badName'
          : (passwordProblem(password) ?? (password !== field(ctx, 'confirm') ? 'password.mismatch' : undefined));
        if (problem) {
          ctx.status = 422;
          return setupPage(ctx, t(problem), username);
        }
        const hash = await hashPassword(password);
        // Checked again after the slow hash, in the same store call as the insert: two first
        // visitors must not both become admin.
        const user = await s.users.createFirst({ username, passwordHash: hash, role: 'admin' });
        if (!user) fail(ctx, 403, t('setup.done'));
        ctx.state.user = user;
        await audit(s, ctx, 'user.create', username, { role: 'admin', setup: true });
        await startSession(ctx, user.id);
        // The demo (or a data folder from before) may already hold an account: then there is nothing to add.
        back(ctx, '/accounts', s.deps.manager.list().length ? 'flash.welcomeAccounts' : 'flash.welcome');
      },
    },
    {
      method: 'GET',
      path: '/login',
      access: 'public',
      handler: async (ctx) => {
        if ((await s.users.count()) === 0) return ctx.redirect('/setup');
        if (ctx.state.user) return ctx.redirect('/accounts');
        const next = typeof ctx.query.next === 'string' ? ctx.query.next : '/accounts';
        page(s, ctx, 'login', { title: ctx.state.t('login.title'), error: undefined, next: safeNext(next), username: '' });
      },
    },
    {
      method: 'POST',
      path: '/login',
      access: 'public',
      handler: async (ctx) => {
        const t = ctx.state.t;
        const username = field(ctx, 'username').trim();
        const next = safeNext(field(ctx, 'next') || '/accounts');
        // Counted before the slow check: parallel guesses cannot all pass a check made before any of them failed.
        const attempt = s.throttle.begin(ctx.ip, username);
        if (!attempt.ok) {
          const seconds = Math.max(1, Math.ceil(attempt.retryAfterMs / 1000));
          ctx.status = 429;
          ctx.set('Retry-After', String(seconds));
          const error = attempt.scope === 'pair' ? t('login.tooMany', { minutes: Math.ceil(seconds / 60) }) : t('login.busy', { seconds });
          return page(s, ctx, 'login', { title: t('login.title'), error, next, username });
        }
        const found = await s.users.byName(username);
        const password = field(ctx, 'password');
        // The dummy hash keeps the timing of unknown users close to that of known ones.
        const ok = (await verifyPassword(password, found?.passwordHash ?? DUMMY_HASH)) && !!found;
        attempt.settle(ok);
        if (!found || !ok) {
          await s.deps.store.audit.record({ actor: 'anonymous', action: 'login.failed', target: username.slice(0, 64), details: { ip: ctx.ip } });
          ctx.status = 401;
          return page(s, ctx, 'login', { title: t('login.title'), error: t('login.wrong'), next, username });
        }
        if (needsRehash(found.passwordHash)) await s.users.setPassword(found.user.id, await hashPassword(password));
        ctx.state.user = found.user;
        await audit(s, ctx, 'login', found.user.username, { ip: ctx.ip });
        await startSession(ctx, found.user.id);
        ctx.redirect(next);
      },
    },
    {
      method: 'POST',
      path: '/logout',
      access: 'viewer',
      handler: async (ctx) => {
        const sid = s.signer.unsign(ctx.cookies.get(SESSION_COOKIE_NAME));
        if (sid) await s.users.endSession(sid);
        await audit(s, ctx, 'logout', ctx.state.user?.username);
        ctx.cookies.set(SESSION_COOKIE_NAME, '', { httpOnly: true, sameSite: 'lax', secure: s.secureCookies || ctx.secure, maxAge: 0, overwrite: true });
        ctx.redirect('/login');
      },
    },
    {
      method: 'POST',
      path: '/lang',
      access: 'public',
      handler: async (ctx) => {
        const lang = field(ctx, 'lang');
        if (!isLocale(lang)) fail(ctx, 400, ctx.state.t('error.badLanguage'));
        if (ctx.state.user) {
          await s.users.setLocale(ctx.state.user.id, lang);
          await audit(s, ctx, 'user.locale', ctx.state.user.username, { locale: lang });
        }
        ctx.state.locale = pickLocale(lang, undefined);
        ctx.state.t = translator(ctx.state.locale);
        back(ctx, safeNext(field(ctx, 'next') || '/accounts'));
      },
    },
  ];
}
