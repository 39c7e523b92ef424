/**
 * The check every sandbox control route shares: a POST must say its body is JSON, and a browser
 * request must come from the sandbox's own origin. A page elsewhere can then neither post a form
 * nor script a cross-origin fetch that drives the phone (scan a QR, send as the owner).
 */
import type { Context } from 'koa';
import { SandboxError } from './state.js';

/** Throws 415 / 403 (as a SandboxError) when the request may not drive the control API. */
export function checkControlRequest(ctx: Context): void {
  const site = ctx.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') throw new SandboxError(403, 'control API: cross-site requests are refused');
  const origin = ctx.get('origin');
  if (origin && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new SandboxError(403, 'control API: bad Origin header');
    }
    if (host !== ctx.host) throw new SandboxError(403, `control API: origin ${origin} is not this sandbox`);
  } else if (origin === 'null') throw new SandboxError(403, 'control API: opaque origin refused');
  if (ctx.method === 'POST' && !ctx.is('application/json')) throw new SandboxError(415, 'control API: POST bodies must be application/json');
}
