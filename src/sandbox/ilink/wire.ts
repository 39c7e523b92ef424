/**
 * Request plumbing of the iLink endpoints: which logical host a request was meant for, the body
 * (JSON whatever the Content-Type, §9.2), the headers it carried (recorded, never required unless a
 * switch says so, §9.5), the Bearer token, and JSON answers that can carry ids beyond 2^53.
 */
import type { Context } from 'koa';
import { readRaw } from '../http.js';
import { CDN_HOST, ILINK_HOST } from './hosts.js';
import type { Bot } from './model.js';
import type { IlinkState } from './state.js';

export type Json = Record<string, unknown>;

export interface IlinkCtx {
  koa: Context;
  st: IlinkState;
  /** `getupdates`, `sendmessage`, `notifystart`, `cdn-upload` … */
  endpoint: string;
  /** `login` (the main API host or the sandbox origin), `redirect` or `cdn`. */
  hostRole: 'login' | 'redirect' | 'cdn';
  body: Json | null;
}

/** A number written as digits on the wire (ids beyond 2^53 stay exact). */
export class RawNumber {
  constructor(readonly digits: string) {}
  toJSON(): string {
    return `\u0000${this.digits}\u0000`;
  }
}

function hostName(koa: Context): string {
  const explicit = koa.headers['x-ilink-host'];
  const h = (Array.isArray(explicit) ? explicit[0] : explicit) ?? koa.headers.host ?? '';
  return h.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
}

export function hostRoleOf(koa: Context, st: IlinkState): IlinkCtx['hostRole'] {
  const name = hostName(koa);
  if (name === st.opts.redirectHost) return 'redirect';
  if (name === CDN_HOST) return 'cdn';
  return 'login';
}

/** True when the request used a real iLink host name (TLS mode): answers then name real hosts. */
function realNames(koa: Context, st: IlinkState): boolean {
  const name = hostName(koa);
  return name === ILINK_HOST || name === CDN_HOST || name === st.opts.redirectHost;
}

/** The API origin a confirmation's `baseurl` names for "same host". */
export function apiOrigin(c: IlinkCtx): string {
  if (realNames(c.koa, c.st)) return `https://${hostName(c.koa)}`;
  return `${c.koa.protocol}://${c.koa.host}`;
}

/** The CDN base (`…/c2c`) full URLs point at. */
export function cdnBase(c: IlinkCtx): string {
  if (realNames(c.koa, c.st)) return `https://${CDN_HOST}/c2c`;
  return `${c.koa.protocol}://${c.koa.host}/c2c`;
}

export async function readBody(koa: Context): Promise<{ raw: Buffer; json: Json | null }> {
  if (koa.method !== 'POST') return { raw: Buffer.alloc(0), json: null };
  const raw = await readRaw(koa, 128 * 1024 * 1024);
  if (raw.length === 0) return { raw, json: null };
  try {
    const v = JSON.parse(raw.toString('utf8')) as unknown;
    return { raw, json: v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null };
  } catch {
    return { raw, json: null };
  }
}

export function header(koa: Context, name: string): string | undefined {
  const v = koa.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** `(major << 16) | (minor << 8) | patch` → `major.minor.patch` (§2.3). */
export function decodeClientVersion(v: string | undefined): string | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return v;
  const n = Number(v);
  return `${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}`;
}

export function bearer(koa: Context): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header(koa, 'authorization') ?? '');
  return m ? (m[1] as string).trim() : undefined;
}

/** Write a JSON answer (HTTP 200); `RawNumber`s go out as bare digits. */
export function sendWire(c: IlinkCtx, body: unknown): void {
  c.koa.status = 200;
  c.koa.type = 'application/json';
  c.koa.body = JSON.stringify(body).replace(/"\\u0000(-?\d+)\\u0000"/g, '$1');
}

/** The dead-token answer (§4.1): `errcode -14` without `ret` unless `staleShape` says both. */
export function sendStale(c: IlinkCtx): void {
  sendWire(c, c.st.opts.staleShape === 'ret+errcode' ? { ret: -14, errcode: -14, errmsg: 'session timeout' } : { errcode: -14, errmsg: 'session timeout' });
}

/** `{ret, errmsg}` answers of the API. */
export function sendRet(c: IlinkCtx, ret: number, errmsg: string, extra: Json = {}): void {
  sendWire(c, { ret, errmsg, ...extra });
}

/** The bot of the request's Bearer token, recording the call; undefined after answering -14. */
export function authenticate(c: IlinkCtx): Bot | undefined {
  const token = bearer(c.koa);
  const bot = token ? c.st.byToken.get(token) : undefined;
  const live = bot !== undefined && c.st.alive(bot);
  recordCall(c, bot, bot !== undefined && !live);
  if (!live) {
    if (!bot) c.st.count('unknownTokenCalls');
    sendStale(c);
    return undefined;
  }
  if (c.endpoint === 'getupdates' && c.st.opts.requireAppHeaders === 'on') {
    const id = header(c.koa, 'ilink-app-id');
    const ver = header(c.koa, 'ilink-app-clientversion');
    if (!id || !ver || ver === '0') {
      sendStale(c);
      return undefined;
    }
  }
  return bot;
}

/** Record a call with what it carried (shown in the state view). */
export function recordCall(c: IlinkCtx, bot: Bot | undefined, deadToken: boolean): void {
  const base = c.body?.base_info as Json | undefined;
  const appId = header(c.koa, 'ilink-app-id');
  const ver = header(c.koa, 'ilink-app-clientversion');
  c.st.recordCall({
    endpoint: c.endpoint,
    host: c.hostRole,
    ...(bot ? { bot: bot.id } : {}),
    deadToken,
    ...(appId !== undefined ? { appId } : {}),
    ...(ver !== undefined ? { clientVersion: `${ver} (${decodeClientVersion(ver) ?? ''})` } : {}),
    ...(typeof base?.bot_agent === 'string' ? { botAgent: base.bot_agent } : {}),
    ...(typeof base?.channel_version === 'string' ? { channelVersion: base.channel_version } : {}),
  });
  const uin = header(c.koa, 'x-wechat-uin');
  c.st.lastHeaders = {
    appId: appId ?? null,
    clientVersion: ver ?? null,
    clientVersionDecoded: decodeClientVersion(ver) ?? null,
    wechatUin: uin ? Buffer.from(uin, 'base64').toString('utf8') : null,
    authorizationType: header(c.koa, 'authorizationtype') ?? null,
    routeTag: header(c.koa, 'skroutetag') ?? null,
    contentType: header(c.koa, 'content-type') ?? null,
    baseInfo: base ?? null,
  };
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
