/**
 * Why a contact or group action of the panel (set a remark, accept a friend request, invite, remove,
 * rename) was not done, as one sentence in the page's language for its error box: the account cannot
 * do it at all (an iLink bot has no groups), it is not online, WeChat refused (with what its code
 * means), WeChat did not answer, or weiroto failed. Never the transport's own message: that names
 * wire fields and endpoints, and it is in English; it goes to the log instead.
 */
import { supports, UnsupportedError, type Capability } from '../transport/capabilities.js';
import { isTransportError } from '../transport/errors.js';
import type { AdminBot } from './deps.js';
import type { Locale, Translate } from './i18n.js';
import { wechatCodeMeaning } from './wechat-codes.js';

export type DirectoryAction = 'remark' | 'accept' | 'invite' | 'remove' | 'rename';

/** What each action needs of the account's transport. */
const NEEDS: Record<DirectoryAction, Capability> = {
  remark: 'friend-requests',
  accept: 'friend-requests',
  invite: 'rooms',
  remove: 'rooms',
  rename: 'rooms',
};

/** A refused action, for the page that says so. */
export interface ActionFailure {
  /** 422: the account cannot do it; 409: it is not online; 502: WeChat refused or did not answer; 500: weiroto failed. */
  status: number;
  /** The error box's sentence: what was not done, and why. */
  text: string;
  /** A fault of weiroto's, not WeChat's: the route logs it. */
  cause?: unknown;
}

/** Thrown by an action's call when what it is about (a contact, a friend request) is gone: a 404 whose message is the page's sentence. */
export class GoneError extends Error {
  override readonly name = 'GoneError';
}

/** The page's language and the headline's parameters (`name`: whose remark or request). */
export interface ActionContext {
  t: Translate;
  locale: Locale;
  params?: Record<string, string>;
}

/**
 * Run `call` for `action` on `bot` unless the account cannot do it or is not online (then nothing is sent
 * to WeChat); undefined when it was done, else why not.
 *
 * @example
 *   const failure = await attemptAction(bot, 'rename', { t, locale }, () => bot.contacts.setTopic(room, topic));
 *   if (failure) return roomPage(ctx, bot, room, { failure: failure.text, topic }); // the typed name kept
 */
export async function attemptAction(
  bot: AdminBot,
  action: DirectoryAction,
  c: ActionContext,
  call: () => Promise<unknown>,
): Promise<ActionFailure | undefined> {
  const what = c.t(`op.${action}`, c.params);
  if (!supports(bot.capabilities, NEEDS[action])) return unsupported(what, NEEDS[action], c.t);
  const state = bot.info().state;
  if (state !== 'online') return { status: 409, text: c.t('op.offline', { what, state: c.t(`state.${state}`) }) };
  try {
    await call();
    return undefined;
  } catch (e) {
    return failureOf(e, action, what, bot.capabilities.kind, c);
  }
}

function unsupported(what: string, capability: Capability, t: Translate): ActionFailure {
  return { status: 422, text: t('op.unsupported', { what, why: t(`cap.${capability}`) }) };
}

/** The sentence for what `call` threw. */
function failureOf(e: unknown, action: DirectoryAction, what: string, transport: string, c: ActionContext): ActionFailure {
  const t = c.t;
  if (e instanceof GoneError) return { status: 404, text: e.message };
  if (e instanceof UnsupportedError) return unsupported(what, e.capability, t);
  if (!isTransportError(e)) return { status: 500, text: t('op.unexpected', { what }), cause: e };
  switch (e.kind) {
    case 'network':
    case 'not-delivered':
      return { status: 502, text: t('op.unreachable', { what }) };
    case 'logged-out':
      return { status: 502, text: t('op.refused', { what, why: t('op.why.loggedOut') }) };
    case 'rate-limited':
    case 'rejected':
    case 'server':
      return { status: 502, text: t('op.refused', { what, why: reasonOf(action, transport, e.code, c) }) };
    default:
      // 'invalid' and the rest: weiroto asked for something impossible (or the session vanished meanwhile).
      return { status: 500, text: t('op.unexpected', { what }), cause: e };
  }
}

/** What WeChat's code means for this action (removing members: -2 is "you are not the owner"). */
function reasonOf(action: DirectoryAction, transport: string, code: number | undefined, c: ActionContext): string {
  if (code === undefined) return c.t('op.why.noCode');
  if (action === 'remove' && code === -2) return c.t('op.why.notOwner');
  return wechatCodeMeaning(transport, code, c.locale) ?? c.t('op.why.unknownCode', { code });
}
