/**
 * The login state machine (§4, §11.1): jslogin → QR → poll (tip=1 once, then tip=0) → 201 → 200
 * → newloginpage → secrets. 202/400/500/0 start a new QR, at most `maxQrCodes` times; a
 * newloginpage `ret ≠ 0` (1203…) is terminal with WeChat's own message, never retried.
 */
import { printTerminalQr } from '../util/terminal-qr.js';
import { logFailure, type Logger } from '../logger.js';
import { TransportError } from '../transport/errors.js';
import type { LoginStep, QrCode } from '../transport/transport.js';
import { newQrCode } from '../transport/qr-code.js';
import type { Clock } from '../util/clock.js';
import type { WebApi } from './api.js';
import { hostsFromRedirect, QR_HOST, type Hosts } from './hosts.js';

export interface LoginCredentials {
  hosts: Hosts;
  uin: string;
  sid: string;
  skey: string;
  passTicket: string;
}

export interface LoginHooks {
  qr(qr: QrCode): void;
  scanned(avatar: string | undefined): void;
  step(step: LoginStep): void;
}

export interface LoginOptions {
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  maxQrCodes: number;
  printQr: boolean;
  /** Consecutive network failures tolerated while polling one QR. */
  maxNetworkErrors?: number;
}

/** What to tell a user whose login WeChat refused (§16 #1, #2). */
export const LOGIN_REFUSED_HELP =
  'WeChat refused the web login for this account. This usually means the account is barred from ' +
  'Web WeChat (new accounts, accounts flagged by risk control, or logins from data-centre IPs). ' +
  'Try desktop (UOS) mode if it is off, log in from a residential network, make sure the account is ' +
  'real-name verified and has been used on the phone for a while, or use another account. Scanning ' +
  'again will not help.';

const RENEW_CODES = new Set([202, 400, 500, 0]);

/** The QR for `uuid` (its PNG is drawn when first read), optionally printed in the terminal. */
export function makeQr(uuid: string, clock: Clock, print: boolean): QrCode {
  const text = `https://${QR_HOST}/l/${uuid}`;
  if (print) printTerminalQr(text);
  return newQrCode(text, uuid, clock.now());
}

/**
 * Poll one uuid until confirmed (→ redirect_uri) or dead (→ undefined: get a new QR).
 * `firstTip` is 1 for a fresh QR and for push login (official client), then 0.
 */
export async function waitForConfirm(
  api: WebApi,
  uuid: string,
  hooks: LoginHooks,
  opts: LoginOptions,
  firstTip: 0 | 1 = 1,
  loginHost?: string,
): Promise<string | undefined> {
  let tip: 0 | 1 = firstTip;
  let scanned = false;
  let netErrors = 0;
  let last201 = -Infinity;
  for (;;) {
    opts.signal.throwIfAborted();
    let r;
    try {
      r = await api.pollLogin(uuid, tip, opts.signal, loginHost);
      netErrors = 0;
    } catch (err) {
      if (opts.signal.aborted) throw opts.signal.reason;
      netErrors++;
      logFailure(opts.log, err, { netErrors }, 'login poll failed; retrying in 1 s');
      if (netErrors >= (opts.maxNetworkErrors ?? 10)) throw err;
      await opts.clock.sleep(1000, opts.signal);
      continue;
    }
    tip = 0;
    if (r.code === 200 && r.redirectUri) return r.redirectUri;
    if (r.code === 201) {
      if (!scanned) {
        scanned = true;
        hooks.scanned(r.avatar);
        hooks.step('waiting-confirm');
      }
      // A server that answers 201 at once even with tip=0 must not make us spin (§16 #14).
      const now = opts.clock.now();
      if (now - last201 < 300) await opts.clock.sleep(500, opts.signal);
      last201 = now;
      continue;
    }
    if (r.code === 408) continue;
    if (RENEW_CODES.has(r.code) || r.code === 200) {
      opts.log.info({ code: r.code }, 'QR no longer valid; a new one is needed');
      return undefined;
    }
    // Unknown code: treat like a server error (official: reload).
    opts.log.warn({ code: r.code }, 'unexpected login poll code');
    return undefined;
  }
}

/**
 * §4.4: exchange the redirect for the session secrets; switches `api.state.hosts` to the family
 * of redirect_uri. Throws TransportError('login-refused') for ret ≠ 0 or missing secrets.
 */
export async function completeLogin(api: WebApi, redirectUri: string, signal: AbortSignal): Promise<LoginCredentials> {
  let hosts: Hosts;
  try {
    hosts = hostsFromRedirect(redirectUri);
  } catch (err) {
    throw new TransportError('network', `login: unreadable redirect_uri`, undefined, { cause: err });
  }
  api.state.hosts = hosts;
  const { status, page, body } = await api.newLoginPage(redirectUri, signal);
  if (status >= 500) throw new TransportError('network', `webwxnewloginpage: HTTP ${status}`);
  if (!page) {
    const html = /<html/i.test(body) ? ' (an HTML page: WeChat wants a browser login)' : '';
    throw new TransportError('login-refused', `webwxnewloginpage: unreadable answer, HTTP ${status}${html}. ${LOGIN_REFUSED_HELP}`);
  }
  if (page.ret !== 0) {
    const msg = page.message || '(no message)';
    throw new TransportError('login-refused', `WeChat refused the login (ret ${page.ret}): ${msg}. ${LOGIN_REFUSED_HELP}`, page.ret);
  }
  const cookieUrl = `https://${hosts.web}/`;
  const creds: LoginCredentials = {
    hosts,
    skey: page.skey ?? '',
    // itchat-UOS reads sid/uin only from cookies; the XML is the official source. Use either.
    sid: page.wxsid ?? api.http.cookie(cookieUrl, 'wxsid') ?? '',
    uin: page.wxuin ?? api.http.cookie(cookieUrl, 'wxuin') ?? '',
    passTicket: page.pass_ticket ?? '',
  };
  const missing = (['skey', 'sid', 'uin', 'passTicket'] as const).filter((k) => !creds[k]);
  if (missing.length > 0) {
    throw new TransportError(
      'login-refused',
      `WeChat accepted the scan but gave no ${missing.join(', ')} (HTTP ${status}). ${page.message ? page.message + '. ' : ''}${LOGIN_REFUSED_HELP}`,
      page.ret,
    );
  }
  return creds;
}

/**
 * The full QR flow, bounded by `maxQrCodes`. Resolves with credentials, or throws:
 * 'login-refused' (terminal), 'invalid' (QR attempts ran out), 'network' (jslogin unreachable).
 * An unreachable jslogin throws at once: the account manager retries the login with back-off
 * (a tight retry loop here printed a line a second, forever, while WeChat was unreachable).
 */
export async function qrLogin(api: WebApi, hooks: LoginHooks, opts: LoginOptions): Promise<LoginCredentials> {
  for (let shown = 0; shown < opts.maxQrCodes; shown++) {
    opts.signal.throwIfAborted();
    const uuid = await api.jslogin(opts.signal);
    hooks.step('waiting-scan');
    hooks.qr(makeQr(uuid, opts.clock, opts.printQr));
    const redirect = await waitForConfirm(api, uuid, hooks, opts, 1);
    if (redirect) {
      hooks.step('logging-in');
      return completeLogin(api, redirect, opts.signal);
    }
  }
  throw new TransportError('invalid', `no login after ${opts.maxQrCodes} QR codes (expired, cancelled or not scanned); start again to get a new QR`);
}
