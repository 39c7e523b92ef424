/**
 * Host families of the real service (protocol.md §2) and how the sandbox decides which logical
 * host a request was meant for: `X-Wechat-Host` (endpoint mode), else the `Host` header when it is
 * a WeChat name (TLS mode), else "the right host" (lenient, plain http to the sandbox origin).
 */
import { ILINK_HOST_NAMES } from './ilink/hosts.js';

export type Family = 'wx' | 'wx2' | 'wx8' | 'web' | 'web2';
export const FAMILIES: readonly Family[] = ['wx', 'wx2', 'wx8', 'web', 'web2'];

export type HostRole = 'login' | 'web' | 'push' | 'file';

export interface FamilyHosts {
  web: string;
  login: string;
  push: string;
  file: string;
  /** Cookie domain the server sets at login (`Domain=.<…>`). */
  cookieDomain: string;
}

/** The four hosts of a family, as the official client derives them from redirect_uri. */
export function familyHosts(family: Family): FamilyHosts {
  const base = family === 'web' || family === 'web2' ? `${family}.wechat.com` : `${family}.qq.com`;
  return {
    web: base,
    login: `login.${base}`,
    push: `webpush.${base}`,
    file: `file.${base}`,
    cookieDomain: family === 'web' || family === 'web2' ? '.wechat.com' : `.${base}`,
  };
}

/** Every host name the sandbox answers for (the TLS certificate lists these; iLink's too). */
export function allWechatHostNames(): string[] {
  const names = new Set<string>(['login.weixin.qq.com', 'webpush.weixin.qq.com', 'weixin.qq.com', ...ILINK_HOST_NAMES]);
  for (const f of FAMILIES) {
    const h = familyHosts(f);
    for (const n of [h.web, h.login, h.push, h.file]) names.add(n);
  }
  return [...names];
}

export interface LogicalHost {
  name: string;
  role: HostRole;
  /** Undefined for the generic `login.weixin.qq.com` / `webpush.weixin.qq.com` names. */
  family?: Family;
}

/** Classify a host name; null when it is not a WeChat web host. */
export function classifyHost(hostname: string): LogicalHost | null {
  const name = hostname.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  if (name === 'login.weixin.qq.com') return { name, role: 'login' };
  if (name === 'webpush.weixin.qq.com' || name === 'webpush2.weixin.qq.com') return { name, role: 'push' };
  const m = /^(?:(login|webpush|file)\.)?(wx|wx2|wx8)\.qq\.com$/.exec(name) ?? /^(?:(login|webpush|file)\.)?(web|web2)\.wechat\.com$/.exec(name);
  if (!m) return null;
  const prefix = m[1];
  const role: HostRole = prefix === 'login' ? 'login' : prefix === 'webpush' ? 'push' : prefix === 'file' ? 'file' : 'web';
  return { name, role, family: m[2] as Family };
}

/**
 * Decide the logical host of a request. Returns null in lenient mode (no usable information),
 * meaning "assume the request went to the right host".
 */
export function logicalHostOf(headers: Record<string, string | string[] | undefined>): LogicalHost | null {
  const explicit = headers['x-wechat-host'];
  const first = Array.isArray(explicit) ? explicit[0] : explicit;
  if (first) return classifyHost(first) ?? { name: first, role: 'web' };
  const host = headers.host;
  const h = Array.isArray(host) ? host[0] : host;
  if (h) return classifyHost(h);
  return null;
}
