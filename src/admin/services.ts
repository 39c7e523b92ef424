/**
 * Everything one panel instance shares between its route handlers: the dependencies, the users
 * repository, the renderer, a few helpers (render a page, record an audit entry, find the account
 * of a route), and small per-instance caches. Nothing here is module-level: two servers in one
 * process each build their own.
 */
import type { AdminDeps, AdminBot, AdminPluginHost } from './deps.js';
import { fail, type AdminContext } from './router.js';
import type { RenderFn } from './render.js';
import type { AdminUsersRepo } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import type { FriendRequest } from '../transport/model.js';
import type { Signer } from './security.js';
import type { LoginThrottle } from './login-throttle.js';
import type { WebhooksAdapter } from './webhooks-adapter.js';
import type { TokensAdapter } from './tokens-adapter.js';
import type { SseHub } from './sse.js';
import type { SetupGate } from './setup-gate.js';
import { explainWechatError } from './wechat-codes.js';
import { originOf, sayer, type Say } from './phrases.js';
import type { Locale } from './i18n.js';
import { flashOf, type FlashKey } from './flash.js';

export interface Services {
  deps: AdminDeps;
  clock: Clock;
  users: AdminUsersRepo;
  render: RenderFn;
  signer: Signer;
  throttle: LoginThrottle;
  sse: SseHub;
  webhooks: WebhooksAdapter | undefined;
  tokens: TokensAdapter | undefined;
  /** Friend requests seen since start, per account (WeChat's web protocol does not list old ones). */
  friendRequests: Map<string, FriendRequest[]>;
  /** Small avatar cache: `${account}:${id}` → bytes. */
  avatars: Map<string, { data: Buffer; type: string; at: number }>;
  sessionTtlMs: number;
  /** Force the Secure flag on cookies; without it they get Secure whenever the request came over HTTPS. */
  secureCookies: boolean;
  /** Who may claim /setup on a fresh install. */
  setupGate: SetupGate;
  /** Resolves once ADMIN_PASSWORD has seeded the first admin (when it is set). */
  seeded: Promise<void>;
}

/** The `say` of a page in `locale`, with the installed plugins' phrase books. */
export function sayOf(s: Services, locale: Locale): Say {
  return sayer(locale, (name) => s.deps.registry.phrases?.(name));
}

/** Render a page with the layout and the state every page needs. */
export function page(s: Services, ctx: AdminContext, view: string, data: Record<string, unknown> = {}): void {
  const st = ctx.state;
  ctx.type = 'html';
  ctx.body = s.render(view, {
    t: st.t,
    locale: st.locale,
    user: st.user,
    csrf: st.csrf,
    path: ctx.path,
    query: ctx.query,
    // The redirect's message with its kind (success, info, warning, error); the layout draws it.
    flash: flashOf(ctx.query.flash),
    accounts: st.user ? s.deps.manager.list() : [],
    // In a cluster: the Nodes entry in the menu, and which node runs each account.
    clusterNode: s.deps.cluster?.node,
    fmt: formatters(st.locale),
    // What a WeChat code in a send failure or logout reason means, in the page's language.
    explain: (transport: string | undefined, message: string | undefined, code?: number) => explainWechatError(transport, message, code, st.locale),
    // A phrase (a plugin's failure, a settings problem, a trace's reason) in the page's language; draw with partials/said.
    say: sayOf(s, st.locale),
    origin: (source: string | undefined) => originOf(st.t, source),
    title: '',
    ...data,
  });
}

/**
 * One Intl formatter per language, made once: `toLocaleString(locale, …)` builds a new one on every call, and a
 * message log page formats hundreds of times. The fields are what `toLocaleString` picks when given none.
 */
const intl = new Map<string, { time: Intl.DateTimeFormat; num: Intl.NumberFormat }>();
function intlFor(locale: string): { time: Intl.DateTimeFormat; num: Intl.NumberFormat } {
  const tag = locale === 'zh-CN' ? 'zh-CN' : 'en-GB';
  let f = intl.get(tag);
  if (!f) {
    const all = { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' } as const;
    f = { time: new Intl.DateTimeFormat(tag, { ...all, hour12: false }), num: new Intl.NumberFormat(tag) };
    intl.set(tag, f);
  }
  return f;
}

/** Date and number formatting for templates, in the user's locale. */
export function formatters(locale: string): {
  time(ms: number | undefined): string;
  ago(ms: number | undefined, now: number): string;
  num(n: number): string;
  bytes(n: number | undefined): string;
} {
  return {
    time: (ms) => (ms ? intlFor(locale).time.format(ms) : '—'),
    ago(ms, now) {
      if (!ms) return '—';
      const s = Math.max(0, Math.round((now - ms) / 1000));
      if (s < 90) return `${s}s`;
      if (s < 5400) return `${Math.round(s / 60)}m`;
      if (s < 172800) return `${Math.round(s / 3600)}h`;
      return `${Math.round(s / 86400)}d`;
    },
    num: (n) => intlFor(locale).num.format(n),
    bytes(n) {
      if (n === undefined) return '';
      if (n < 1024) return `${n} B`;
      if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
      return `${(n / 1024 / 1024).toFixed(1)} MB`;
    },
  };
}

/** Record a change in the audit log, with the acting user. */
export function audit(s: Services, ctx: AdminContext, action: string, target?: string, details?: unknown): Promise<void> {
  return s.deps.store.audit.record({
    actor: ctx.state.user ? `user:${ctx.state.user.username}` : 'anonymous',
    action,
    ...(target !== undefined && { target }),
    ...(details !== undefined && { details }),
  });
}

/** The account named by `:id`, or a 404. */
export function botOf(s: Services, ctx: AdminContext): AdminBot {
  const id = ctx.state.params.id ?? '';
  const bot = s.deps.manager.get(id);
  if (!bot) fail(ctx, 404, ctx.state.t('error.noAccount'));
  return bot;
}

/** A string field of the parsed form ('' when absent or not a string). */
export function field(ctx: AdminContext, name: string): string {
  const v = ctx.state.form[name];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : '';
  return typeof v === 'string' ? v : '';
}

/** All values of a repeated form field. */
export function fields(ctx: AdminContext, name: string): string[] {
  const v = ctx.state.form[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

/** Redirect back to a panel path with a flash message key (its kind comes with the key: src/admin/flash.ts). */
export function back(ctx: AdminContext, path: string, flash?: FlashKey): void {
  const sep = path.includes('?') ? '&' : '?';
  ctx.redirect(flash ? `${path}${sep}flash=${encodeURIComponent(flash)}` : path);
}

/** The plugins of the account a route is about (its runtime has them, the bot does not). */
export function pluginsOf(s: Services, bot: AdminBot): AdminPluginHost {
  const host = s.deps.manager.plugins(bot.id);
  if (!host) throw Object.assign(new Error(`No account ${bot.id}`), { status: 404, expose: true });
  return host;
}
