/**
 * Typing and lifecycle (ilink.md §6.6, §6.7, §9 E): `getconfig` hands out a typing ticket,
 * `sendtyping` shows or clears "typing…" on the phone (auto-clearing), and `msg/notifystart` /
 * `msg/notifystop` record whether the back end says it is online.
 */
import { newOpaque } from './ids.js';
import type { Bot } from './model.js';
import type { IlinkState } from './state.js';
import { authenticate, sendRet, str, type IlinkCtx } from './wire.js';

function otherUser(c: IlinkCtx): void {
  if (c.st.opts.getconfigOtherUser === 'ret-2') sendRet(c, -2, '');
  else sendRet(c, -3, 'invalid arguments');
}

/** `POST ilink/bot/getconfig {ilink_user_id, context_token?}`. */
export function getConfig(c: IlinkCtx): void {
  const st = c.st;
  const bot = authenticate(c);
  if (!bot) return;
  if (str(c.body?.ilink_user_id) !== bot.userId) return otherUser(c);
  const now = st.now();
  if (!bot.typingTicket || bot.typingTicket.expiresAt <= now) bot.typingTicket = { ticket: newOpaque(st.rand, 32), expiresAt: now + st.opts.typingTicketMs };
  sendRet(c, 0, '', { typing_ticket: bot.typingTicket.ticket });
}

/** `POST ilink/bot/sendtyping {ilink_user_id, typing_ticket, status: 1 | 2}`. */
export function sendTyping(c: IlinkCtx): void {
  const st = c.st;
  const bot = authenticate(c);
  if (!bot) return;
  const ticket = str(c.body?.typing_ticket);
  const good = bot.typingTicket && ticket === bot.typingTicket.ticket && bot.typingTicket.expiresAt > st.now();
  const status = c.body?.status;
  if (!good || str(c.body?.ilink_user_id) !== bot.userId || (status !== 1 && status !== 2)) {
    if (st.opts.typingBadTicket === 'on') return sendRet(c, -3, 'invalid arguments');
    return sendRet(c, 0, '');
  }
  bot.typingUntil = status === 1 ? st.now() + st.opts.typingClearMs : undefined;
  if (st.opts.typingCountsQuota === 'on') bot.sendsSinceInbound += 1;
  st.count(status === 1 ? 'typingOn' : 'typingOff');
  sendRet(c, 0, '');
}

export function notifyStart(c: IlinkCtx): void {
  const bot = authenticate(c);
  if (!bot) return;
  bot.notify = 'started';
  sendRet(c, 0, '');
}

export function notifyStop(c: IlinkCtx): void {
  const bot = authenticate(c);
  if (!bot) return;
  bot.notify = 'stopped';
  sendRet(c, 0, '');
}

/** What the phone shows for the bot: typing…, and "暂无法连接" when the back end looks gone. */
export function presence(st: IlinkState, bot: Bot): { typing: boolean; reachable: boolean } {
  const now = st.now();
  const typing = bot.typingUntil !== undefined && now < bot.typingUntil;
  const polledLately = bot.lastPollAt !== undefined && now - bot.lastPollAt < st.opts.offlineAfterMs;
  const reachable = bot.notify !== 'stopped' && (polledLately || bot.held.length > 0);
  return { typing, reachable };
}
