/**
 * Parsers for the four non-JSON bodies (§4.1, §4.3, §5.5, §4.4). JavaScript assignments are read
 * with tolerant regexes (optional spaces, either quote style, no trailing semicolon needed) and
 * never evaluated. The newloginpage XML is read with xml2js, imported there: it runs once per login,
 * and a server waiting for a scan does not need to hold it.
 */
import type { RawLoginPage } from './raw-types.js';

export interface JsLoginResult {
  code: number;
  uuid?: string;
}

/** `window.QRLogin.code = 200; window.QRLogin.uuid = "4dcaWx3uBw==";` */
export function parseJsLogin(body: string): JsLoginResult | undefined {
  const code = /QRLogin\.code\s*=\s*(\d+)/.exec(body);
  if (!code) return undefined;
  const uuid = /QRLogin\.uuid\s*=\s*["']([^"']+)["']/.exec(body);
  return { code: Number(code[1]), ...(uuid?.[1] ? { uuid: uuid[1] } : {}) };
}

export interface LoginPollResult {
  code: number;
  avatar?: string;
  redirectUri?: string;
}

/** `window.code=201;window.userAvatar = '…';` / `window.code=200;\nwindow.redirect_uri="…";` */
export function parseLoginPoll(body: string): LoginPollResult | undefined {
  const code = /window\.code\s*=\s*(\d+)/.exec(body);
  if (!code) return undefined;
  const out: LoginPollResult = { code: Number(code[1]) };
  const avatar = /userAvatar\s*=\s*'([^']*)'/.exec(body) ?? /userAvatar\s*=\s*"([^"]*)"/.exec(body);
  if (avatar?.[1]) out.avatar = avatar[1];
  const redirect = /redirect_uri\s*=\s*"([^"]+)"/.exec(body) ?? /redirect_uri\s*=\s*'([^']+)'/.exec(body);
  if (redirect?.[1]) out.redirectUri = redirect[1];
  return out;
}

export interface SyncCheckResult {
  retcode: number;
  selector: number;
}

/** `window.synccheck={retcode:"0",selector:"2"}`; undefined for garbage. */
export function parseSyncCheck(body: string): SyncCheckResult | undefined {
  const retcode = /retcode\s*:\s*["']?(\d+)/.exec(body);
  if (!retcode) return undefined;
  const selector = /selector\s*:\s*["']?(\d+)/.exec(body);
  return { retcode: Number(retcode[1]), selector: selector ? Number(selector[1]) : 0 };
}

function first(v: unknown): string | undefined {
  if (Array.isArray(v)) v = v[0];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/**
 * The flat `<error><ret>0</ret>…</error>` XML of webwxnewloginpage. Returns undefined when the
 * body is not that XML (an HTML page, garbage). Elements that are absent stay undefined.
 */
export async function parseLoginPage(body: string): Promise<RawLoginPage | undefined> {
  const start = body.indexOf('<error');
  if (start === -1) return undefined;
  const { parseStringPromise } = await import('xml2js');
  let doc: unknown;
  try {
    doc = await parseStringPromise(body.slice(start), { explicitArray: true, trim: true });
  } catch {
    return undefined;
  }
  const root = (doc as { error?: Record<string, unknown> } | null)?.error;
  if (!root || typeof root !== 'object') return undefined;
  const ret = Number(first(root.ret) ?? 'NaN');
  if (!Number.isFinite(ret)) return undefined;
  const page: RawLoginPage = { ret, message: first(root.message) ?? '' };
  for (const key of ['skey', 'wxsid', 'wxuin', 'pass_ticket', 'isgrayscale', 'redirecturl'] as const) {
    const v = first(root[key]);
    if (v) page[key] = v;
  }
  return page;
}
