/**
 * Request plumbing shared by the WeChat endpoints: body reading (JSON whatever the content type),
 * cookies, the logical host, session authentication with the real error codes, and the response
 * conventions (JSON as text/plain with Connection: close, optional deflate).
 */
import { deflateSync } from 'node:zlib';
import type { Context } from 'koa';
import type { RawJson } from '../protocol/raw-types.js';
import { logicalHostOf, type LogicalHost } from './hosts.js';
import { wireJson, normalisePassTicket } from './format.js';
import type { Session, DeathCode, Lang } from './session.js';
import type { SandboxState } from './state.js';

export interface WxCtx {
  koa: Context;
  st: SandboxState;
  /** Endpoint name: the last path segment (`webwxsync`, `synccheck`, `jslogin`…). */
  endpoint: string;
  host: LogicalHost | null;
  query: Record<string, string>;
  cookies: Record<string, string>;
  lang: Lang;
}

/** Read the raw body (bounded). */
export async function readRaw(ctx: Context, limit = 4 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Parse the body as JSON whatever the Content-Type (itchat sends a misspelt header, §1.1). */
export async function readJson(c: WxCtx): Promise<RawJson | null> {
  if (c.koa.method !== 'POST') return null;
  const raw = await readRaw(c.koa);
  if (raw.length === 0) return null;
  try {
    return JSON.parse(raw.toString('utf8')) as RawJson;
  } catch {
    return null;
  }
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

export function makeCtx(koa: Context, st: SandboxState): WxCtx {
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(koa.query)) query[k] = Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
  const parts = koa.path.split('/').filter(Boolean);
  const endpoint = parts[0] === 'qrcode' || parts[0] === 'l' ? parts[0] : (parts[parts.length - 1] ?? '');
  const langQ = query.lang ?? '';
  const lang: Lang = /^en/i.test(langQ) ? 'en_US' : /^zh/i.test(langQ) ? 'zh_CN' : st.opts.lang;
  return { koa, st, endpoint, host: logicalHostOf(koa.headers), query, cookies: parseCookies(koa.headers.cookie), lang };
}

/** Send a JSON body the way the server does (§1.1, §15 #50). */
export function sendJson(c: WxCtx, body: unknown): void {
  const text = wireJson(body);
  const ctx = c.koa;
  ctx.status = 200;
  ctx.set('Content-Type', 'text/plain');
  if (!c.st.opts.keepAlive) ctx.set('Connection', 'close');
  if (c.st.opts.deflate && /\bdeflate\b/.test(String(ctx.headers['accept-encoding'] ?? ''))) {
    ctx.set('Content-Encoding', 'deflate');
    ctx.body = deflateSync(Buffer.from(text, 'utf8'));
  } else ctx.body = text;
}

/** Send a JavaScript-assignment body (jslogin, login poll, synccheck). */
export function sendJs(c: WxCtx, text: string): void {
  c.koa.status = 200;
  c.koa.set('Content-Type', 'text/javascript');
  c.koa.body = text;
}

export type AuthResult = { ok: true; s: Session } | { ok: false; code: DeathCode };

/**
 * Find the session of a request from its cookies (wxsid + wxuin), checking the host family
 * (cookies of `.wx2.qq.com` never reach another family, so a wrong host is "no session"),
 * BaseRequest Sid/Skey when given, and idle expiry. Uin may be a number or a string (§15 #14).
 */
export function authenticate(c: WxCtx, base?: RawJson, missingCode: DeathCode = 1100): AuthResult {
  const sid = c.cookies.wxsid;
  const uin = c.cookies.wxuin;
  if (!sid || !uin) return { ok: false, code: missingCode };
  const tomb = c.st.tombstones.get(sid);
  if (tomb) return { ok: false, code: tomb };
  const s = c.st.sessions.get(sid);
  if (!s || String(s.uin) !== uin) return { ok: false, code: 1102 };
  if (s.dead) return { ok: false, code: s.dead };
  if (c.host && c.host.family !== s.family) return { ok: false, code: 1100 };
  const idle = c.st.opts.idleExpiryMs;
  const now = c.st.now();
  if (idle !== undefined && now - s.lastSeen > idle) {
    c.st.endSession(s, 1101);
    return { ok: false, code: 1101 };
  }
  if (base && typeof base === 'object') {
    if (base.Sid !== undefined && base.Sid !== '' && String(base.Sid) !== s.sid) return { ok: false, code: 1102 };
    if (base.Uin !== undefined && base.Uin !== '' && String(base.Uin) !== String(s.uin)) return { ok: false, code: 1102 };
    if (base.Skey && base.Skey !== s.skey && !s.oldSkeys.includes(String(base.Skey))) return { ok: false, code: 1102 };
  }
  s.lastSeen = now;
  c.st.logins.request(s, c.endpoint, now);
  if (c.query.lang) s.lang = c.lang;
  return { ok: true, s };
}

/** True when a query skey is current (downloads answer 0 bytes otherwise, §7). */
export function skeyOk(s: Session, skey: string | undefined): boolean {
  if (!skey) return false;
  const v = normalisePassTicket(skey);
  return v === s.skey || s.oldSkeys.includes(v);
}

export function baseResponse(ret: number, errMsg = ''): { Ret: number; ErrMsg: string } {
  return { Ret: ret, ErrMsg: errMsg };
}
