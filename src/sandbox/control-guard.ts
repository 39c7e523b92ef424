/**
 * Who may drive the sandbox's control API. It has no login (it is a test tool), so it must not be
 * drivable by some web page the developer happens to have open: a cross-site page can send a
 * "simple" POST (text/plain, form) without any CORS check, and with DNS rebinding even same-origin
 * ones. So: only JSON bodies (a cross-site page cannot send `application/json` without a CORS
 * preflight, which the sandbox never grants), no request a browser marks as cross-site
 * (`Sec-Fetch-Site`) or sends from another origin (`Origin`), and only to IP literals, `localhost`
 * or the configured host name (DNS rebinding). Tests, benchmarks and the CLI send no Origin and
 * no Sec-Fetch-Site, so they pass; the phone page is same-origin, so it does too.
 */
import type { Context } from 'koa';
import { hostAllowlist } from '../http/host-guard.js';
import { SandboxError } from './state.js';

/** @example const guard = controlGuard('127.0.0.1'); guard(ctx); // throws SandboxError 403/415 */
export function controlGuard(host: string): (ctx: Context) => void {
  const hostAllowed = hostAllowlist({ host });
  return (ctx) => {
    if (!hostAllowed(ctx.get('host'))) throw new SandboxError(403, `the control API does not answer to the host name ${ctx.get('host')}`);
    const site = ctx.get('sec-fetch-site');
    if (site && site !== 'same-origin' && site !== 'none')
      throw new SandboxError(403, `cross-site requests to the control API are refused (Sec-Fetch-Site: ${site})`);
    const origin = ctx.get('origin');
    if (origin && origin !== `${ctx.protocol}://${ctx.get('host')}`)
      throw new SandboxError(403, `requests from another origin (${origin}) to the control API are refused`);
    if (ctx.method === 'POST' && ctx.is('application/json') !== 'application/json') {
      throw new SandboxError(415, 'control API requests must be application/json');
    }
  };
}
