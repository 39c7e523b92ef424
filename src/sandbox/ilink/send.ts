/**
 * `sendmessage` (ilink.md §6, §8, §9 D): validation, the context token, the 24 h reply window, the
 * per-user-message quota, the frequency limiter, client_id reuse, GENERATING/FINISH, long text, and
 * the send log that records every request with its decision — silent drops included.
 */
import { checkItem } from './outbound-items.js';
import type { Bot, ContextToken, SentEntry, WireMessage } from './model.js';
import { SEND_FAULTS, type IlinkState } from './state.js';
import { enqueue } from './updates.js';
import { authenticate, sendRet, sendWire, str, type IlinkCtx, type Json } from './wire.js';

type Refusal = { ret?: number; errmsg?: string; reason: string; answer: 'ret' | 'empty' | 'ok' };

const INVALID = (reason: string): Refusal => ({ ret: -3, errmsg: 'invalid arguments', reason, answer: 'ret' });

function windowRefusal(st: IlinkState, reason: string): Refusal {
  return { ret: -2, errmsg: st.opts.windowErrmsg, reason, answer: 'ret' };
}

function tokenRefusal(st: IlinkState, reason: string): Refusal {
  return st.opts.foreignToken === 'ret-2' ? windowRefusal(st, reason) : INVALID(reason);
}

function faultRefusal(st: IlinkState): Refusal | undefined {
  const f = st.takeFault('sendmessage', SEND_FAULTS);
  if (!f) return undefined;
  const reason = `fault ${f.kind}`;
  if (f.kind === 'ret-2-window' || f.kind === 'ret-2-quota') return windowRefusal(st, reason);
  if (f.kind === 'ret-2-rate') return { ret: -2, errmsg: 'rate limited', reason, answer: 'ret' };
  if (f.kind === 'ret-3') return INVALID(reason);
  return { reason, answer: 'empty' };
}

/** Which of the user's tokens this send carries, or why it may not (§6.2.4, §9.23–25). */
function checkToken(st: IlinkState, bot: Bot, token: string | undefined): ContextToken | Refusal {
  if (!token) {
    const reason = 'no context_token';
    if (st.opts.missingToken === 'ret-3') return INVALID(reason);
    if (st.opts.missingToken === 'ret-2') return windowRefusal(st, reason);
    return { reason, answer: 'empty' };
  }
  const entry = bot.contextTokens.find((t) => t.token === token);
  if (!entry) return tokenRefusal(st, 'context_token of another user or unknown');
  const latest = bot.contextTokens[bot.contextTokens.length - 1];
  if (entry !== latest) {
    const mode = st.opts.tokenValidity;
    if (mode === 'latest-only') return tokenRefusal(st, 'context_token superseded by a newer one');
    if (mode === 'latest-or-grace' && st.now() - (entry.supersededAt ?? 0) > st.opts.tokenGraceMs)
      return tokenRefusal(st, 'context_token superseded (grace over)');
  }
  return entry;
}

/** Window, quota and frequency (§8.2, §9.25–27); undefined when the send may go. */
function checkLimits(st: IlinkState, bot: Bot, entry: ContextToken): Refusal | undefined {
  const now = st.now();
  if (bot.lastInboundAt === undefined || now - bot.lastInboundAt >= st.opts.windowMs) return windowRefusal(st, 'reply window closed');
  const used = st.opts.quotaScope === 'per-token' ? entry.sends : bot.sendsSinceInbound;
  if (used >= st.opts.quota) return windowRefusal(st, 'quota used');
  const rule = st.opts.rateLimit;
  if (rule) {
    if (bot.coolUntil !== undefined && now < bot.coolUntil) return { ret: -2, errmsg: 'rate limited', reason: 'rate limited (cooling down)', answer: 'ret' };
    bot.rateLog = bot.rateLog.filter((t) => now - t < rule.perMs);
    if (bot.rateLog.length >= rule.max) {
      bot.coolUntil = now + rule.cooldownMs;
      return { ret: -2, errmsg: 'rate limited', reason: 'rate limited', answer: 'ret' };
    }
  }
  return undefined;
}

function answerOk(c: IlinkCtx): void {
  const mode = c.st.opts.sendOkBody;
  if (mode === 'empty') {
    c.koa.status = 200;
    c.koa.body = '';
    return;
  }
  sendWire(c, mode === 'ret0' ? { ret: 0, errmsg: '' } : {});
}

/** `POST ilink/bot/sendmessage`. */
export function sendMessage(c: IlinkCtx): void {
  const st = c.st;
  const bot = authenticate(c);
  if (!bot) return;
  const msg = (c.body?.msg && typeof c.body.msg === 'object' ? c.body.msg : undefined) as Json | undefined;
  const rawItems = Array.isArray(msg?.item_list) ? (msg.item_list as unknown[]) : [];
  const checked = rawItems.map((i) => checkItem(st, i));
  const clientId = str(msg?.client_id) ?? '';
  const state = typeof msg?.message_state === 'number' ? msg.message_state : 2;
  const token = str(msg?.context_token);
  const base: Omit<SentEntry, 'seq' | 'at' | 'decision'> = {
    bot: bot.id,
    to: str(msg?.to_user_id) ?? '',
    clientId,
    state,
    items: checked.map((x) => x.view),
    ...(token ? { contextToken: token } : {}),
  };
  const refuse = (r: Refusal): void => {
    st.recordSent({ ...base, decision: 'refused', ...(r.ret !== undefined ? { ret: r.ret, errmsg: r.errmsg ?? '' } : {}), reason: r.reason });
    st.count('sendRefused');
    if (r.answer === 'ret') sendRet(c, r.ret as number, r.errmsg ?? '');
    else if (r.answer === 'ok') answerOk(c);
    else {
      c.koa.status = 200;
      c.koa.body = '';
    }
  };
  const fault = faultRefusal(st);
  if (fault) return refuse(fault);
  if (st.opts.requireBaseInfo === 'silent-drop' && !c.body?.base_info) return refuse({ reason: 'no base_info (dropped silently)', answer: 'ok' });
  if (!msg) return refuse(INVALID('no msg'));
  if (msg.message_type !== 2) return refuse(INVALID('message_type is not 2 (BOT)'));
  if (!clientId) return refuse(INVALID('no client_id'));
  if (checked.length === 0) return refuse(INVALID('empty item_list'));
  const bad = checked.find((x) => x.invalid);
  if (bad) return refuse(INVALID(bad.invalid as string));
  if (checked.length > 1 && st.opts.itemsPerRequest === 'one-only') return refuse(INVALID('more than one item'));
  const to = base.to;
  const toOk = st.opts.toUserCase === 'exact' ? to === bot.userId : to.toLowerCase() === bot.userId.toLowerCase();
  if (!toOk) return refuse(INVALID(`to_user_id ${to || '(none)'} is not the bound user`));
  if (str(msg.from_user_id)) return refuse({ reason: 'from_user_id set (the server drops such sends)', answer: 'ok' });
  const entry = checkToken(st, bot, token);
  if (!('token' in entry)) return refuse(entry);
  if (st.opts.toolItems === 'ret-3' && checked.some((x) => x.view.type.startsWith('tool-call'))) return refuse(INVALID('tool-call items'));
  const limit = checkLimits(st, bot, entry);
  if (limit) return refuse(limit);
  if (bot.poisonedToken === entry.token) return refuse({ reason: 'dropped: an earlier send reused a client_id on this token', answer: 'ok' });
  const views = checked.map((x) => x.view);
  const generatingLine = bot.generating.get(clientId);
  if (bot.clientIds.has(clientId) && generatingLine === undefined) {
    if (st.opts.dupClientId === 'silent-drop') return refuse({ reason: 'client_id reused (dropped silently)', answer: 'ok' });
    if (st.opts.dupClientId === 'drop-later-sends') {
      bot.poisonedToken = entry.token;
      return refuse({ reason: 'client_id reused (dropped; later sends on this token vanish too)', answer: 'ok' });
    }
  }
  if (generatingLine !== undefined && state === 2 && st.opts.generating === 'reject-finish')
    return refuse(windowRefusal(st, 'FINISH after GENERATING under one client_id'));
  for (const v of views) {
    if (v.type !== 'text' || (v.text ?? '').length <= st.opts.maxText) continue;
    if (st.opts.longText === 'ret-2') return refuse({ ret: -2, errmsg: '', reason: `text longer than ${st.opts.maxText}`, answer: 'ret' });
    if (st.opts.longText === 'truncate') v.text = (v.text as string).slice(0, st.opts.maxText);
  }
  deliver(st, bot, entry, { ...base, items: views }, state, generatingLine, rawItems as Json[]);
  answerOk(c);
}

function deliver(
  st: IlinkState,
  bot: Bot,
  entry: ContextToken,
  sent: Omit<SentEntry, 'seq' | 'at' | 'decision'>,
  state: number,
  generatingLine: number | undefined,
  raw: Json[],
): void {
  bot.clientIds.add(sent.clientId);
  if (bot.clientIds.size > 20_000) bot.clientIds.clear();
  bot.sendsSinceInbound += 1;
  entry.sends += 1;
  if (st.opts.rateLimit) bot.rateLog.push(st.now());
  st.recordSent({ ...sent, decision: 'delivered' });
  st.count('delivered');
  const merging = generatingLine !== undefined && st.opts.generating === 'merge';
  const line = merging ? st.chat.find((l) => l.seq === generatingLine) : undefined;
  if (line) {
    line.items = sent.items;
    line.generating = state === 1;
  } else {
    const added = st.recordChat({ bot: bot.id, dir: 'out', id: sent.clientId, items: sent.items, ...(state === 1 ? { generating: true } : {}) });
    if (state === 1) bot.generating.set(sent.clientId, added.seq);
  }
  if (state === 2) bot.generating.delete(sent.clientId);
  bot.typingUntil = undefined;
  if (st.opts.echoBotMessages === 'on') enqueue(st, bot, echo(st, bot, sent.clientId, state, raw));
}

/** A `message_type 2` copy of a delivered send (`echoBotMessages`, §9.20). */
function echo(st: IlinkState, bot: Bot, clientId: string, state: number, items: Json[]): WireMessage {
  const now = st.now();
  return {
    seq: ++bot.seq,
    message_id: st.nextMessageId(),
    from_user_id: bot.id,
    to_user_id: bot.userId,
    client_id: clientId,
    create_time_ms: now,
    session_id: bot.sessionId ?? '',
    message_type: 2,
    message_state: state,
    item_list: items,
  };
}
