/**
 * Security plumbing of the panel: response headers (a CSP without inline scripts), the signed
 * session cookie, and CSRF tokens. Signatures are HMAC-SHA256 with a per-installation key kept
 * sealed (store.box) in the settings table, compared in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import type { SettingsRepo } from '../store/index.js';

/** The cookie-signing key: created once, sealed with the store's SecretBox (store.settings). */
export function loadCookieKey(settings: SettingsRepo): Promise<Buffer> {
  return settings.secretKey('admin.cookie-key');
}

export interface Signer {
  sign(value: string): string;
  /** The value when the signature is right, else undefined. */
  unsign(signed: string | undefined): string | undefined;
}

/** @example const s = createSigner(key); s.unsign(s.sign('abc')) === 'abc'; */
export function createSigner(key: Buffer): Signer {
  const mac = (v: string): string => createHmac('sha256', key).update(v).digest('base64url');
  return {
    sign: (v) => `${v}.${mac(v)}`,
    unsign(signed) {
      if (!signed) return undefined;
      const dot = signed.lastIndexOf('.');
      if (dot <= 0) return undefined;
      const value = signed.slice(0, dot);
      return safeEqual(signed.slice(dot + 1), mac(value)) ? value : undefined;
    },
  };
}

/** Constant-time string comparison (false for different lengths). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every panel response. */
export function securityHeaders(): Koa.Middleware {
  return async (ctx, next) => {
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'same-origin');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    await next();
    if (!ctx.response.get('Cache-Control') && ctx.type.startsWith('text/html')) ctx.set('Cache-Control', 'no-store');
  };
}

/** A random token for pre-login forms (double-submit, tied to a signed cookie). */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}
