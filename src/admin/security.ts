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

/**
 * In-memory login throttle per key (IP and IP+user): after `max` failures within `windowMs` the
 * key is refused until the window passes. One instance per app, never shared between servers.
 */
export class LoginLimiter {
  private failures = new Map<string, number[]>();
  constructor(
    private now: () => number,
    private max = 5,
    private windowMs = 15 * 60_000,
  ) {}

  /** Milliseconds until the key may try again (0 = allowed). */
  blockedFor(key: string): number {
    const list = this.recent(key);
    if (list.length < this.max) return 0;
    return Math.max(0, list[0]! + this.windowMs - this.now());
  }

  fail(key: string): void {
    const list = this.recent(key);
    list.push(this.now());
    this.failures.set(key, list);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > since).slice(-this.max);
  }
}
