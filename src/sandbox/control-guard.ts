/**
 * What every sandbox control route shares: the request check (a POST must say its body is JSON,
 * a browser request must come from the sandbox's own origin, so a page elsewhere can neither post
 * a form nor script a cross-origin fetch that drives the phone) and reading the JSON object body.
 */
import type { Context } from 'koa';
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
