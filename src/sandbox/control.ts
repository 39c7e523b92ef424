/**
 * The control API (design.md "Sandbox control API", plus extensions): plain JSON under
 * /sandbox/api for the phone page, tests and benchmarks.
 */
import type { Context, Next } from 'koa';
import { readControlBody } from './control-guard.js';
import { injectMessage, liveSession, friendRequest, type InjectInput } from './inbound.js';
import { befriend, friendDeletes, phoneOpenChat, phoneRename, roomJoin, roomLeave, roomRename } from './phone-events.js';
import { peakOverlap } from './login-windows.js';
import { SandboxError, type FaultKind, type JournalEntry, type SandboxState } from './state.js';
import type { Account } from './world.js';

const FAULT_KINDS = ['logout-1100', 'logout-1101', 'logout-1102', 'http-500', 'timeout', 'reset', 'garbage', 'ret-1205', 'slow'] as const;

type Body = Record<string, unknown>;

function str(b: Body, k: string): string | undefined {
  const v = b[k];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new SandboxError(400, `${k} must be a string`);
}

function required(b: Body, k: string): string {
  const v = str(b, k);
  if (v === undefined) throw new SandboxError(400, `${k} is required`);
  return v;
}

function account(st: SandboxState, b: Body): Account {
  const ref = str(b, 'account');
  const a = st.account(ref);
  if (!a) throw new SandboxError(404, `no account ${String(ref)}`);
  return a;
}

/** `GET /state`: accounts with friends and rooms (cut at `limit`), QR codes, counters. */
export function stateView(st: SandboxState, limit: number, only?: Account): unknown {
  return {
    accounts: (only ? [only] : st.accounts).map((a) => {
      const s = st.sessionOf(a);
      const friends = [...a.people.values()].filter((p) => p.kind === 'friend' || p.kind === 'official' || p.kind === 'special');
      const rooms = [...a.rooms.values()].filter((r) => r.active);
      return {
        id: a.id,
        index: a.index,
        nickname: a.nick,
        uin: a.uin,
        family: a.family,
        state: s ? 'online' : st.tombstones.size && !s ? 'offline' : 'offline',
        queued: s?.queued ?? 0,
        friendCount: friends.length,
        roomCount: rooms.length,
        friends: friends.slice(0, limit).map((p) => ({ id: p.id, nickname: p.nick, kind: p.kind })),
        rooms: rooms.slice(0, limit).map((r) => ({
          id: r.id,
          topic: r.topic,
          owner: r.owner,
          members: r.members
            .slice(0, limit)
            .map((m) => ({ id: m.id, nickname: m.id === a.id ? a.nick : (a.people.get(m.id)?.nick ?? m.id), displayName: m.displayName })),
        })),
      };
    }),
    qrcodes: [...st.qrs.values()]
      .map((q) => ({ uuid: q.uuid, status: st.qrStatus(q), account: q.account?.id ?? null, createdAt: q.createdAt }))
      .filter((q) => q.status === 'waiting' || q.status === 'scanned' || q.status === 'confirmed')
      .slice(-50),
    counters: { ...st.counters, sessions: st.sessions.size, qrcodes: st.qrs.size, media: st.media.size },
  };
}

function sentView(e: JournalEntry): unknown {
  return {
    seq: e.seq,
    account: e.account,
    to: e.chat,
    toName: e.chatName,
    type: e.type,
    text: e.text,
    msgId: e.msgId,
    at: e.at,
    ...(e.fileName ? { fileName: e.fileName } : {}),
    ...(e.mediaKey ? { media: `/sandbox/api/media?key=${encodeURIComponent(e.mediaKey)}` } : {}),
  };
}

function journalView(e: JournalEntry): unknown {
  return { ...e, ...(e.mediaKey ? { media: `/sandbox/api/media?key=${encodeURIComponent(e.mediaKey)}` } : {}) };
}

type Route = (st: SandboxState, b: Body, ctx: Context) => unknown;

const POST: Record<string, Route> = {
  '/qr/scan': (st, b) => {
    const q = st.scan(str(b, 'uuid') ?? str(b, 'url'), str(b, 'account'));
    return { uuid: q.uuid, status: st.qrStatus(q), account: q.account?.id };
  },
  '/qr/confirm': (st, b) => {
    const q = st.confirm(str(b, 'uuid'));
    return { uuid: q.uuid, status: st.qrStatus(q), account: q.account?.id };
  },
  '/qr/cancel': (st, b) => {
    const q = st.cancel(str(b, 'uuid'));
    return { uuid: q.uuid, status: st.qrStatus(q) };
  },
  '/qr/expire': (st, b) => {
    const q = st.expire(str(b, 'uuid'));
    return { uuid: q.uuid, status: st.qrStatus(q) };
  },
  '/messages': (st, b) => injectMessage(st, b as InjectInput),
  '/faults': (st, b) => {
    const kind = required(b, 'kind');
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new SandboxError(400, `kind must be one of ${FAULT_KINDS.join(', ')}`);
    const count = b.count === undefined ? 1 : Number(b.count);
    if (!Number.isInteger(count) || count < 1) throw new SandboxError(400, 'count must be a positive integer');
    const acctRef = str(b, 'account');
    if (kind.startsWith('logout-')) {
      const a = account(st, b);
      const s = st.sessionOf(a);
      if (!s) throw new SandboxError(409, `account ${a.id} is not logged in`);
      st.endSession(s, Number(kind.slice(7)) as 1100 | 1101 | 1102);
      return { ok: true, account: a.id };
    }
    const ms = b.ms === undefined ? (kind === 'slow' ? 3000 : 60_000) : Number(b.ms);
    const endpoint = str(b, 'endpoint');
    const acct = acctRef ? account(st, b).id : undefined;
    st.faults.push({ kind: kind as FaultKind, remaining: count, ms, ...(endpoint ? { endpoint } : {}), ...(acct ? { account: acct } : {}) });
    return { ok: true, pending: st.faults.length };
  },
  '/phone/open-chat': (st, b) => (phoneOpenChat(st, account(st, b), required(b, 'chat')), { ok: true }),
  '/phone/logout': (st, b) => {
    const { session } = liveSession(st, str(b, 'account'));
    st.endSession(session, 1100);
    return { ok: true };
  },
  '/phone/other-login': (st, b) => {
    const { session } = liveSession(st, str(b, 'account'));
    st.endSession(session, 1101);
    return { ok: true };
  },
  '/phone/rename': (st, b) => (phoneRename(st, account(st, b), required(b, 'nickname')), { ok: true }),
  '/friends/request': (st, b) => {
    const { session } = liveSession(st, str(b, 'account'));
    return friendRequest(st, session, str(b, 'nickname') ?? str(b, 'from') ?? '', str(b, 'greeting') ?? str(b, 'text') ?? '');
  },
  '/friends/accept': (st, b) => {
    const a = account(st, b);
    const id = required(b, 'id');
    const p = a.people.get(id) ?? [...a.people.values()].find((x) => x.nick === id);
    if (!p || p.kind !== 'stranger') throw new SandboxError(404, `no pending stranger ${id}`);
    befriend(st, a, p, false);
    return { ok: true, id: p.id };
  },
  '/friends/delete': (st, b) => (friendDeletes(st, account(st, b), required(b, 'friend')), { ok: true }),
  '/rooms/join': (st, b) =>
    roomJoin(st, account(st, b), required(b, 'room'), {
      ...(str(b, 'member') ? { member: str(b, 'member') as string } : {}),
      ...(str(b, 'by') ? { by: str(b, 'by') as string } : {}),
      via: b.via === 'qr' ? 'qr' : 'invite',
    }),
  '/rooms/leave': (st, b) => (roomLeave(st, account(st, b), required(b, 'room'), required(b, 'member')), { ok: true }),
  '/rooms/remove': (st, b) => (roomLeave(st, account(st, b), required(b, 'room'), required(b, 'member'), str(b, 'by') ?? '@owner'), { ok: true }),
  '/rooms/rename': (st, b) => (roomRename(st, account(st, b), required(b, 'room'), required(b, 'topic'), str(b, 'by')), { ok: true }),
  '/accounts': (st) => {
    const a = st.newAccount();
    return { id: a.id, index: a.index, nickname: a.nick };
  },
};

const GET: Record<string, Route> = {
  '/state': (st, _b, ctx) => stateView(st, ctx.query.full ? 100_000 : 200, ctx.query.account ? account(st, { account: ctx.query.account }) : undefined),
  '/sent': (st, _b, ctx) => {
    const acct = typeof ctx.query.account === 'string' && ctx.query.account ? (st.account(ctx.query.account)?.id ?? '\0') : undefined;
    const since = Number(ctx.query.since ?? 0) || 0;
    const list = st.journal.filter((e) => e.dir === 'out' && e.seq > since && (!acct || e.account === acct));
    const last = list[list.length - 1];
    return { messages: list.map(sentView), next: last ? last.seq : since };
  },
  '/journal': (st, _b, ctx) => {
    const acct = typeof ctx.query.account === 'string' && ctx.query.account ? (st.account(ctx.query.account)?.id ?? '\0') : undefined;
    const since = Number(ctx.query.since ?? 0) || 0;
    const list = st.journal.filter((e) => e.seq > since && (!acct || e.account === acct)).slice(-500);
    const last = list[list.length - 1];
    return { entries: list.map(journalView), next: last ? last.seq : since };
  },
  '/logins': (st, _b, ctx) => {
    // Start-up windows (webwxinit → first synccheck) after `since`, and how many overlapped at most.
    const windows = st.logins.since(Number(ctx.query.since ?? 0) || 0);
    const last = windows[windows.length - 1];
    return { windows, peak: peakOverlap(windows), next: last ? last.seq : Number(ctx.query.since ?? 0) || 0 };
  },
  '/stats': (st, _b, ctx) => {
    // `?gc=1` collects first when the process runs with --expose-gc (the benchmark does).
    const gc = (globalThis as { gc?: () => void }).gc;
    if (ctx.query.gc && gc) gc();
    const mem = process.memoryUsage();
    return {
      sessions: st.sessions.size,
      heldSynccheck: st.counters.synccheckHeld,
      memory: { rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external },
      counters: st.counters,
    };
  },
};

/** Koa middleware for /sandbox/api/* (server.ts checks who may call it first: control-guard.ts). */
export function controlRoutes(st: SandboxState): (ctx: Context, next: Next) => Promise<void> {
  return async (ctx) => {
    const path = ctx.path.slice('/sandbox/api'.length);
    if (ctx.method === 'GET' && path === '/media') {
      const key = String(ctx.query.key ?? '');
      const m = st.media.get(key);
      if (!m) throw new SandboxError(404, 'no such media');
      ctx.set('Content-Type', m.mime);
      ctx.body = m.bytes;
      return;
    }
    const route = ctx.method === 'GET' ? GET[path] : ctx.method === 'POST' ? POST[path] : undefined;
    if (!route) throw new SandboxError(404, `no control route ${ctx.method} ${path}`);
    const body = await readControlBody(ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(route(st, body, ctx));
  };
}
