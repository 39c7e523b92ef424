/**
 * Who may claim a fresh install at /setup: a browser on the server itself (a loopback client that
 * did not come through a proxy), or whoever holds the one-time setup code the server prints in its
 * log at start, as Jupyter and Grafana do. Otherwise the first stranger to find an exposed fresh
 * install would become its admin.
 */
import { randomBytes } from 'node:crypto';
import type Koa from 'koa';
import { safeEqual } from './security.js';

const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'];

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^::ffff:/i, '');
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/**
 * Whether the client of this request is on this machine. With TRUST_PROXY (`app.proxy`), the
 * address the proxy forwarded decides; without it, a request that carries forwarding headers came
 * through a proxy we were not told about and so is never taken for a local one.
 */
export function fromLoopback(ctx: Koa.Context): boolean {
  if (ctx.app.proxy) return isLoopbackAddress(ctx.ip);
  if (FORWARDING_HEADERS.some((h) => ctx.get(h) !== '')) return false;
  return isLoopbackAddress(ctx.req.socket.remoteAddress ?? '');
}

export interface SetupGate {
  /** The one-time code (made on first use; printed in the log by the server). */
  readonly code: string;
  /** May this request set the first admin? `given` is the code the visitor typed or followed. */
  admits(ctx: Koa.Context, given: string): boolean;
}

/** @example const gate = createSetupGate(); if (!gate.admits(ctx, field(ctx, 'code'))) fail(ctx, 403, …); */
export function createSetupGate(): SetupGate {
  let code: string | undefined;
  const current = (): string => (code ??= randomBytes(15).toString('base64url'));
  return {
    get code() {
      return current();
    },
    admits: (ctx, given) => fromLoopback(ctx) || (given !== '' && safeEqual(given, current())),
  };
}
