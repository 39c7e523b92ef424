/**
 * Who may drive the sandbox's control APIs (the web one and iLink's, everything under
 * /sandbox/api). They have no login (the sandbox is a test tool), so they must not be drivable by
 * some web page the developer happens to have open: a cross-site page can send a "simple" POST
 * (text/plain, form) without any CORS check, and with DNS rebinding even same-origin ones. So: only
 * JSON bodies (a cross-site page cannot send `application/json` without a CORS preflight, which
 * the sandbox never grants), no request a browser marks as cross-site (`Sec-Fetch-Site`) or sends
 * from another or an opaque origin (`Origin`), and only to IP literals, `localhost` or the host
 * name the sandbox listens on (DNS rebinding). Tests, benchmarks and the CLI send no Origin and no
 * Sec-Fetch-Site, so they pass; the phone pages are same-origin, so they do too. Also: reading a
 * control route's JSON object body.
 */
import type { Context } from 'koa';
import { hostAllowlist } from '../http/host-guard.js';
import { readRaw } from './http.js';
import { SandboxError } from './state.js';

/** The POST body as a JSON object (`{}` when empty); 400 for anything else. */
export async function readControlBody(ctx: Context): Promise<Record<string, unknown>> {
  if (ctx.method !== 'POST') return {};
  const raw = await readRaw(ctx, 64 * 1024 * 1024);
  if (!raw.length) return {};
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new SandboxError(400, 'body must be JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new SandboxError(400, 'body must be a JSON object');
  return body as Record<string, unknown>;
}

/**
 * A check that throws a SandboxError (403 or 415) when the request may not drive a control API.
 *
 * @example const guard = controlGuard('127.0.0.1'); if (ctx.path.startsWith('/sandbox/api/')) guard(ctx);
 */
export function controlGuard(host: string): (ctx: Context) => void {
  const hostAllowed = hostAllowlist({ host });
  return (ctx) => {
    if (!hostAllowed(ctx.get('host'))) throw new SandboxError(403, `control API: the host name ${ctx.get('host')} is not this sandbox`);
    const site = ctx.get('sec-fetch-site');
    if (site && site !== 'same-origin' && site !== 'none')
      throw new SandboxError(403, `control API: cross-site requests are refused (Sec-Fetch-Site: ${site})`);
    const origin = ctx.get('origin');
    if (origin === 'null') throw new SandboxError(403, 'control API: opaque origin refused');
    if (origin) {
      let originHost: string;
      try {
        originHost = new URL(origin).host;
      } catch {
        throw new SandboxError(403, 'control API: bad Origin header');
      }
      if (originHost !== ctx.get('host')) throw new SandboxError(403, `control API: origin ${origin} is not this sandbox`);
    }
    if (ctx.method === 'POST' && ctx.is('application/json') !== 'application/json') {
      throw new SandboxError(415, 'control API: POST bodies must be application/json');
    }
  };
}
