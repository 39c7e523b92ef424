/**
 * Accounts: the list with live state, adding one (the QR page follows the scan live), start, stop,
 * log out, remove; and the two SSE streams the pages listen to.
 */
import type { BotInfo } from '../../bot/types.js';
import type { RouteDef } from '../router.js';
import { audit, back, botOf, field, page, type Services } from '../services.js';
import { loginProblem, timelineText } from '../login-problem.js';
import type { Translate } from '../i18n.js';
import { HolderSilentError } from '../../accounts/account-cluster.js';
import type { VerifyAnswer } from '../../accounts/index.js';
import type { FlashKey } from '../flash.js';

/** The flash that tells the admin how WeChat took a verification code. */
const VERIFY_FLASH: Record<VerifyAnswer, FlashKey> = {
  accepted: 'flash.verifyAccepted',
  wrong: 'flash.verifyWrong',
  expired: 'flash.verifyExpired',
  pending: 'flash.verifyCodeSent',
};

/** Cluster: the node running the account did not answer (nothing was done), or took it up and has not said how it went. */
const silentFlash = (e: HolderSilentError): FlashKey => (e.started ? 'flash.holderLate' : 'flash.holderSilent');

/** The events that change an account's message log (its page reloads its rows on them). */
const MESSAGE_EVENTS = new Set(['message.received', 'message.sent', 'message.recalled']);

/**
 * What the pages need of an account's state (the QR image only when asked); with the user's
 * translator, the explanation of a failed login in their language.
 */
export function publicInfo(info: BotInfo, withQr: boolean, words?: { t: Translate; locale: string }): Record<string, unknown> {
  return {
    id: info.id,
    name: info.name,
    enabled: info.enabled,
    state: info.state,
    detail: info.detail,
    selfName: info.self?.name,
    transport: info.transport,
    verifyCode: info.verifyCode,
    onlineSince: info.onlineSince,
    lastSyncAt: info.lastSyncAt,
    loginRetry: info.loginRetry,
    node: info.node,
    ...(words && { problem: loginProblem(info, words.t, words.locale) }),
    ...(withQr && { qr: info.qr?.dataUrl, qrId: info.qr?.id, scannedAvatar: info.scannedAvatar }),
  };
}

export function accountRoutes(s: Services): RouteDef[] {
  const m = s.deps.manager;
  const action = (name: 'start' | 'stop' | 'logout', flash: FlashKey): RouteDef => ({
    method: 'POST',
    path: `/accounts/:id/${name}`,
    access: 'operator',
    handler: async (ctx) => {
      const bot = botOf(s, ctx);
      await audit(s, ctx, `account.${name}`, bot.id);
      await m[name](bot.id);
      back(ctx, field(ctx, 'back') === 'dashboard' ? `/accounts/${encodeURIComponent(bot.id)}` : '/accounts', flash);
    },
  });

  return [
    { method: 'GET', path: '/', access: 'viewer', handler: (ctx) => ctx.redirect('/accounts') },
    {
      method: 'GET',
      path: '/accounts',
      access: 'viewer',
      handler: (ctx) => page(s, ctx, 'accounts', { title: ctx.state.t('accounts.title'), list: m.list(), now: s.clock.now() }),
    },
    {
      method: 'POST',
      path: '/accounts',
      access: 'operator',
      handler: async (ctx) => {
        const name = field(ctx, 'name').trim().slice(0, 64);
        const transport = field(ctx, 'transport') === 'ilink' ? 'ilink' : 'web';
        const bot = await m.add(name || undefined, { transport });
        await audit(s, ctx, 'account.add', bot.id, { name, transport });
        ctx.redirect(`/accounts/${encodeURIComponent(bot.id)}/login`);
      },
    },
    {
      method: 'GET',
      path: '/accounts/:id/login',
      access: 'viewer',
      handler: (ctx) => {
        const bot = botOf(s, ctx);
        const info = bot.info();
        page(s, ctx, 'account-login', { title: ctx.state.t('login.qrTitle'), info, problem: loginProblem(info, ctx.state.t, ctx.state.locale) });
      },
    },
    {
      // iLink: the digits the phone shows after a scan.
      method: 'POST',
      path: '/accounts/:id/verify-code',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const code = field(ctx, 'code').trim();
        const login = `/accounts/${encodeURIComponent(bot.id)}/login`;
        if (!bot.info().verifyCode) return back(ctx, login, 'flash.noVerifyCode');
        if (!/^\d{1,12}$/.test(code)) return back(ctx, login, 'flash.badVerifyCode');
        await audit(s, ctx, 'account.verify-code', bot.id);
        // WeChat's answer is shown here, whichever node runs the account and typed the code in.
        const flash = await m.submitVerifyCode(bot.id, code).then(
          (answer) => VERIFY_FLASH[answer],
          (e: unknown) => {
            if (e instanceof HolderSilentError) return silentFlash(e);
            s.deps.log.warn({ err: e, account: bot.id }, 'verification code not taken');
            return 'flash.noVerifyCode';
          },
        );
        back(ctx, login, flash);
      },
    },
    {
      // Try a login that waits out its back-off (or failed) now.
      method: 'POST',
      path: '/accounts/:id/retry',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        await audit(s, ctx, 'account.retry', bot.id);
        const started = await m.retryNow(bot.id);
        const to = field(ctx, 'back') === 'dashboard' ? `/accounts/${encodeURIComponent(bot.id)}` : `/accounts/${encodeURIComponent(bot.id)}/login`;
        back(ctx, to, started ? 'flash.retrying' : 'flash.retryBusy');
      },
    },
    action('start', 'flash.started'),
    action('stop', 'flash.stopped'),
    action('logout', 'flash.loggedOut'),
    {
      method: 'POST',
      path: '/accounts/:id/remove',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        await audit(s, ctx, 'account.remove', bot.id, { name: bot.info().name });
        try {
          await m.remove(bot.id);
        } catch (e) {
          // Cluster: the node running it did not answer; it still stands, with everything stored for it.
          if (e instanceof HolderSilentError) return back(ctx, `/accounts/${encodeURIComponent(bot.id)}`, silentFlash(e));
          throw e;
        }
        back(ctx, '/accounts', 'flash.removed');
      },
    },
    {
      method: 'GET',
      path: '/events',
      access: 'viewer',
      stream: true,
      handler: (ctx) => {
        const stream = s.sse.open(ctx);
        let last = '';
        const words = { t: ctx.state.t, locale: ctx.state.locale };
        const push = (): void => {
          const list = m.list().map((i) => publicInfo(i, false, words));
          const json = JSON.stringify(list);
          if (json !== last) stream.send('accounts', list);
          last = json;
        };
        push();
        const off = m.onEvent((e) => {
          if (e.type.startsWith('account.')) push();
        });
        // Events cover the changes; the slow poll catches state that moved without one (last sync).
        const timer = setInterval(push, 2000);
        timer.unref();
        stream.onClose(() => {
          off();
          clearInterval(timer);
        });
      },
    },
    {
      method: 'GET',
      path: '/accounts/:id/events',
      access: 'viewer',
      stream: true,
      handler: (ctx) => {
        const bot = botOf(s, ctx);
        const stream = s.sse.open(ctx);
        const words = { t: ctx.state.t, locale: ctx.state.locale };
        let last = '';
        const push = (): void => {
          const info = m.get(bot.id)?.info();
          if (!info) return stream.send('removed', { id: bot.id });
          const json = JSON.stringify(publicInfo(info, true, words));
          if (json !== last) stream.send('info', JSON.parse(json));
          last = json;
        };
        push();
        const message = (e: { type: string; chatId?: string | undefined; at: number }): void =>
          stream.send('message', { type: e.type, chatId: e.chatId, at: e.at });
        const off = m.onEvent((e) => {
          if (e.account !== bot.id) return;
          if (e.type.startsWith('account.')) push();
          else if (MESSAGE_EVENTS.has(e.type)) message(e);
        });
        // Cluster: messages of this account handled by the node running it.
        const offElsewhere = s.deps.cluster?.onEventsElsewhere?.((events) => {
          for (const e of events) if (e.account === bot.id && MESSAGE_EVENTS.has(e.type)) message(e);
        });
        // New timeline entries, already in the user's words (the account page adds them on top).
        const offTimeline = m.onTimeline((e) => {
          if (e.account === bot.id) stream.send('timeline', { id: e.id, at: e.at, kind: e.kind, text: timelineText(e, words.t) });
        });
        const timer = setInterval(push, 500);
        timer.unref();
        stream.onClose(() => {
          off();
          offElsewhere?.();
          offTimeline();
          clearInterval(timer);
        });
      },
    },
  ];
}
