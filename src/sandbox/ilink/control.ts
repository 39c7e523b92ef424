/**
 * The iLink control API under `/sandbox/api/ilink` (design.md §4, kept exactly, plus extensions):
 * state, the owner's phone (scan, confirm, cancel, send), the send log, faults, the fake clock,
 * switches at run time, token deaths, the conversation and decrypted media for the phone page.
 */
import type { Context } from 'koa';
import { readControlBody } from '../control-guard.js';
import { SandboxError } from '../state.js';
import { decryptEcb } from './aes.js';
import { ownerSends, type InboundInput } from './inbound.js';
import { cancel, confirm, qrView, scan } from './login.js';
import type { Bot } from './model.js';
import { ILINK_FAULT_KINDS, SEND_FAULTS, type IlinkFaultKind, type IlinkState } from './state.js';
import { presence } from './typing.js';
import { lateRedelivery } from './updates.js';

type Body = Record<string, unknown>;
type Route = (st: IlinkState, b: Body, ctx: Context) => unknown;

function opt(b: Body, k: string): string | undefined {
  const v = b[k];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new SandboxError(400, `${k} must be a string`);
  return v;
}

function botView(st: IlinkState, bot: Bot): unknown {
  const now = st.now();
  const open = bot.lastInboundAt !== undefined && now - bot.lastInboundAt < st.opts.windowMs;
  return {
    id: bot.id,
    user: bot.userId,
    token: bot.token,
    alive: st.alive(bot),
    death: bot.death ?? null,
    boundAt: bot.boundAt,
    notify: bot.notify ?? null,
    lastPollAt: bot.lastPollAt ?? null,
    heldPolls: bot.held.length,
    queued: bot.inboxBase + bot.inbox.length - bot.handedOut,
    ...presence(st, bot),
    window: {
      open,
      lastInboundAt: bot.lastInboundAt ?? null,
      closesAt: bot.lastInboundAt !== undefined ? bot.lastInboundAt + st.opts.windowMs : null,
      sendsSinceInbound: bot.sendsSinceInbound,
      quota: st.opts.quota,
      left: open ? Math.max(0, st.opts.quota - bot.sendsSinceInbound) : 0,
    },
    contextToken: bot.contextTokens[bot.contextTokens.length - 1]?.token ?? null,
  };
}

/** getupdates requests held open right now, over every bot. */
function heldPolls(st: IlinkState): number {
  let n = 0;
  for (const b of st.bots.values()) n += b.held.length;
  return n;
}

function stateView(st: IlinkState): unknown {
  return {
    now: st.now(),
    offsetMs: st.offsetMs,
    users: st.users.map((u) => ({ id: u.id, nickname: u.nickname, bot: u.botId ?? null })),
    bots: [...st.bots.values()].slice(-50).map((b) => botView(st, b)),
    qrcodes: [...st.qrs.values()].slice(-50).map((q) => qrView(st, q)),
    counters: { ...st.counters, cdnObjects: st.cdn.size, cdnBytes: st.cdn.bytes, heldPolls: heldPolls(st) },
    lastHeaders: st.lastHeaders,
    faults: st.faults.map((f) => ({ kind: f.kind, remaining: f.remaining, endpoint: f.endpoint ?? null })),
    switches: st.switches(),
  };
}

function since(ctx: Context): number {
  const n = Number(ctx.query.since ?? 0);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function addFault(st: IlinkState, b: Body): unknown {
  const kind = opt(b, 'kind');
  if (!kind || !(ILINK_FAULT_KINDS as readonly string[]).includes(kind)) throw new SandboxError(400, `kind must be one of ${ILINK_FAULT_KINDS.join(', ')}`);
  const count = b.count === undefined ? 1 : Number(b.count);
  if (!Number.isInteger(count) || count < 1) throw new SandboxError(400, 'count must be a positive integer');
  const ms = b.ms === undefined ? (kind === 'timeout' ? 60_000 : 0) : Number(b.ms);
  if (!Number.isInteger(ms) || ms < 0) throw new SandboxError(400, 'ms must be a whole number ≥ 0');
  const endpoint = opt(b, 'endpoint');
  if (kind === 'stale-14') {
    const bot = st.botOfUser(opt(b, 'user'));
    st.kill(bot, 'stale-14');
    return { ok: true, bot: bot.id };
  }
  if (kind === 'late-redelivery') return { ok: true, redelivered: lateRedelivery(st, st.botOfUser(opt(b, 'user')), count) };
  st.faults.push({
    kind: kind as IlinkFaultKind,
    remaining: count,
    ms,
    ...(endpoint ? { endpoint } : SEND_FAULTS.includes(kind as IlinkFaultKind) ? { endpoint: 'sendmessage' } : {}),
  });
  return { ok: true, pending: st.faults.length };
}

const POST: Record<string, Route> = {
  '/qr/scan': (st, b) => qrView(st, scan(st, opt(b, 'qrcode'), opt(b, 'user'), b.verify === undefined ? undefined : b.verify === true)),
  '/qr/confirm': (st, b) => qrView(st, confirm(st, opt(b, 'qrcode'), opt(b, 'user'))),
  '/qr/cancel': (st, b) => qrView(st, cancel(st, opt(b, 'qrcode'))),
  '/messages': (st, b) => ownerSends(st, b as InboundInput),
  '/faults': addFault,
  '/clock': (st, b) => {
    st.advance(Number(b.advanceMs));
    return { now: st.now(), offsetMs: st.offsetMs };
  },
  '/switches': (st, b) => st.setSwitches(b),
  '/rebind': (st, b) => {
    // The owner binds the bot to another back end: this token dies after rebindDelayMs (§9.13).
    const bot = st.botOfUser(opt(b, 'user'));
    st.kill(bot, 'rebound', b.delayMs === undefined ? st.opts.rebindDelayMs : Number(b.delayMs));
    return { ok: true, bot: bot.id, diesAt: bot.death?.at };
  },
  '/revoke': (st, b) => {
    const ref = opt(b, 'bot');
    const bot = ref ? st.bots.get(ref) : st.botOfUser(opt(b, 'user'));
    if (!bot) throw new SandboxError(404, `no bot ${String(ref)}`);
    st.kill(bot, 'revoked');
    return { ok: true, bot: bot.id };
  },
};

const GET: Record<string, Route> = {
  '/state': (st) => stateView(st),
  '/sent': (st, _b, ctx) => {
    const n = since(ctx);
    const list = st.sent.filter((e) => e.seq > n);
    return { messages: list, next: list.length ? (list[list.length - 1] as { seq: number }).seq : n };
  },
  '/chat': (st, _b, ctx) => {
    const n = since(ctx);
    const user = typeof ctx.query.user === 'string' && ctx.query.user ? st.user(ctx.query.user) : undefined;
    const lines = st.chat.filter((l) => l.seq > n && (!user || st.bots.get(l.bot)?.userId === user.id)).slice(-500);
    return { lines, next: lines.length ? (lines[lines.length - 1] as { seq: number }).seq : n };
  },
  '/calls': (st, _b, ctx) => {
    const n = since(ctx);
    const calls = st.calls.filter((x) => x.seq > n).slice(-1000);
    return { calls, next: calls.length ? (calls[calls.length - 1] as { seq: number }).seq : n };
  },
};

/** Koa handler for /sandbox/api/ilink/* (server.ts checks who may call it first: control-guard.ts). */
export function ilinkControlRoutes(st: IlinkState): (ctx: Context) => Promise<void> {
  return async (ctx) => {
    const path = ctx.path.slice('/sandbox/api/ilink'.length);
    ctx.set('Cache-Control', 'no-store');
    if (ctx.method === 'GET' && path === '/media') {
      // The phone shows what the CDN holds, decrypted with the key it was uploaded with.
      const o = st.cdn.get(String(ctx.query.param ?? ''));
      if (!o) throw new SandboxError(404, 'no such media');
      ctx.type = o.mime.endsWith('/*') ? 'application/octet-stream' : o.mime;
      if (o.fileName) ctx.attachment(o.fileName, { type: 'inline' });
      ctx.body = o.key ? decryptEcb(o.cipher, o.key) : o.cipher;
      return;
    }
    const route = ctx.method === 'GET' ? GET[path] : ctx.method === 'POST' ? POST[path] : undefined;
    if (!route) throw new SandboxError(404, `no iLink control route ${ctx.method} ${path}`);
    const body = await readControlBody(ctx);
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(route(st, body, ctx));
  };
}
