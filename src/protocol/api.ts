/**
 * Typed calls of the web protocol (§4–§8), one method per endpoint, over one HttpSession and one
 * SessionState. Every JSON answer is checked: BaseResponse.Ret ≠ 0 → TransportError by §9;
 * 5xx, timeouts and unreadable bodies → TransportError('network').
 */
import { TransportError } from '../transport/errors.js';
import type { Clock } from '../util/clock.js';
import { checkBase } from './api-errors.js';
import { parseJsLogin, parseLoginPage, parseLoginPoll, parseSyncCheck, type LoginPollResult, type SyncCheckResult } from './bodies.js';
import { CGI, PRELOGIN_HOST } from './hosts.js';
import { bodyText, isFormData, type HttpResponse, type HttpSession } from './http.js';
import { newDeviceId } from './ids.js';
import type {
  RawBaseRequest,
  RawBatchGetContactItem,
  RawBatchGetContactResponse,
  RawContact,
  RawGetContactResponse,
  RawInitResponse,
  RawLoginPage,
  RawPushLoginResponse,
  RawSyncKey,
  RawSyncResponse,
} from './raw-types.js';
import { formatSyncKey, type SessionState } from './session.js';
import { decodeUtf8, parseWireJson } from './wire-json.js';

export const APP_ID = 'wx782c26e4c19acffb';

/** The UOS extspam constant of §4.4 (identical in wechat4u, ItChat-UOS and puppet-wechat). */
export const UOS_EXTSPAM =
  'Go8FCIkFEokFCggwMDAwMDAwMRAGGvAESySibk50w5Wb3uTl2c2h64jVVrV7gNs06GFlWplHQbY/5FfiO++1yH4ykCyNPWKXmco+wfQzK5R98D3so7rJ' +
  '5LmGFvBLjGceleySrc3SOf2Pc1gVehzJgODeS0lDL3/I/0S2SSE98YgKleq6Uqx6ndTy9yaL9qFxJL7eiA/R3SEfTaW1SBoSITIu+EEkXff+Pv8NHOk7' +
  'N57rcGk1w0ZzRrQDkXTOXFN2iHYIzAAZPIOY45Lsh+A4slpgnDiaOvRtlQYCt97nmPLuTipOJ8Qc5pM7ZsOsAPPrCQL7nK0I7aPrFDF0q4ziUUKettzW' +
  '8MrAaiVfmbD1/VkmLNVqqZVvBCtRblXb5FHmtS8FxnqCzYP4WFvz3T0TcrOqwLX1M/DQvcHaGGw0B0y4bZMs7lVScGBFxMj3vbFi2SRKbKhaitxHfYHA' +
  'OAa0X7/MSS0RNAjdwoyGHeOepXOKY+h3iHeqCvgOH6LOifdHf/1aaZNwSkGotYnYScW8Yx63LnSwba7+hESrtPa/huRmB9KWvMCKbDThL/nne14hnL27' +
  '7EDCSocPu3rOSYjuB9gKSOdVmWsj9Dxb/iZIe+S6AiG29Esm+/eUacSba0k8wn5HhHg9d4tIcixrxveflc8vi2/wNQGVFNsGO6tB5WF0xf/plngOvQ1/' +
  'ivGV/C1Qpdhzznh0ExAVJ6dwzNg7qIEBaw+BzTJTUuRcPk92Sn6QDn2Pu3mpONaEumacjW4w6ipPnPw+g2TfywJjeEcpSZaP4Q3YV5HG8D6UjWA4GSkB' +
  'KculWpdCMadx0usMomsSS/74QgpYqcPkmamB4nVv1JxczYITIqItIKjD35IGKAUwAA==';

export interface Timeouts {
  jslogin: number;
  loginPoll: number;
  syncCheck: number;
  sync: number;
  upload: number;
  download: number;
  other: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  jslogin: 10_000,
  loginPoll: 35_000,
  syncCheck: 35_000,
  sync: 60_000,
  upload: 120_000,
  download: 120_000,
  other: 60_000,
};

export interface ApiOptions {
  lang: 'zh_CN' | 'en_US';
  desktop: boolean;
  timeouts: Timeouts;
  clock: Clock;
}

type Query = Record<string, string | number | undefined>;

/** A request of the api's: method, URL, body, deadline, then the optional caller signal, extra headers and `repeated`. */
type RequestArgs = [
  method: 'GET' | 'POST',
  url: string,
  body: string | FormData | undefined,
  timeoutMs: number,
  signal?: AbortSignal,
  headers?: Record<string, string>,
  repeated?: boolean,
];

export interface JsonCallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The URL is sent again and again (a send's, a sync's): see `HttpRequest.repeated`. */
  repeated?: boolean;
}

/** Build a query string. `pass_ticket` arrives percent-encoded and is sent as is (itchat/official
 * upload forms use it decoded, wechat4u double-encodes; the server accepts all, §3). */
export function queryString(q: Query): string {
  let s = '';
  // for…in, not Object.entries: no array per field (a query is built for most requests).
  for (const k in q) {
    const v = q[k];
    if (v === undefined) continue;
    const val = k === 'pass_ticket' ? String(v) : encodeURIComponent(String(v));
    s += (s ? '&' : '?') + k + '=' + val;
  }
  return s;
}

/** Bitwise NOT of the ms timestamp, the official `r`/`rr` (§1.2). */
export function notNow(clock: Clock): number {
  return ~clock.now();
}

export class WebApi {
  constructor(
    readonly http: HttpSession,
    public state: SessionState,
    readonly opts: ApiOptions,
  ) {}

  // ---------- helpers

  url(host: 'web' | 'push' | 'file' | 'login', endpoint: string, q: Query = {}): string {
    return `https://${this.state.hosts[host]}${CGI}${endpoint}${queryString(q)}`;
  }

  /**
   * `url('web', endpoint, query(…))` for an endpoint whose query holds only what the session fixes (language,
   * pass ticket…): built once per endpoint and kept until the web host or the pass ticket changes. A send's URL is
   * the same for every message of a session (issue 17: its query object and string were built per message).
   * `query` is a plain function of its arguments, so that a caller need not make a closure per call.
   */
  sessionUrl(endpoint: string, query: (endpoint: string, api: WebApi) => Query): string {
    const host = this.state.hosts.web;
    const { passTicket } = this.state;
    const kept = this.sessionUrls.get(endpoint);
    if (kept && kept.host === host && kept.passTicket === passTicket && kept.lang === this.opts.lang) return kept.url;
    const url = this.url('web', endpoint, query(endpoint, this));
    this.sessionUrls.set(endpoint, { host, passTicket, lang: this.opts.lang, url });
    return url;
  }

  private readonly sessionUrls = new Map<string, { host: string; passTicket: string; lang: string; url: string }>();

  baseRequest(): RawBaseRequest {
    const uin = Number(this.state.uin);
    return {
      Uin: Number.isSafeInteger(uin) ? uin : this.state.uin,
      Sid: this.state.sid,
      Skey: this.state.skey,
      DeviceID: newDeviceId(this.opts.clock),
    };
  }

  private async send(...args: RequestArgs): Promise<HttpResponse> {
    return this.checked(args[1], await this.request(...args));
  }

  /** One request, its answer not checked yet (not an async function: the caller's own frame awaits it). */
  private request(...[method, url, body, timeoutMs, signal, headers, repeated]: RequestArgs): Promise<HttpResponse> {
    return this.http.request({
      method,
      url,
      ...(body !== undefined ? { body } : {}),
      timeoutMs,
      ...(signal ? { signal } : {}),
      ...(headers ? { headers } : {}),
      ...(repeated && { repeated }),
    });
  }

  /** A 5xx answer is a network failure (the server's trouble, worth a retry); any other is the caller's to read. */
  private checked(url: string, res: HttpResponse): HttpResponse {
    if (res.status >= 500) throw new TransportError('network', `${new URL(url).pathname}: HTTP ${res.status}`);
    return res;
  }

  /**
   * POST/GET a JSON endpoint and check BaseResponse. One async frame from the request to the parsed answer (a
   * send's): `jsonText` and `send` are not awaited in turn, each with a promise and a frame of its own (issue 17).
   */
  async json<T extends { BaseResponse?: { Ret: number; ErrMsg: string } }>(
    what: string,
    method: 'GET' | 'POST',
    url: string,
    body?: unknown,
    opts: JsonCallOptions & { okCodes?: readonly number[] } = {},
  ): Promise<T> {
    return this.parseJson<T>(what, this.jsonAnswer(what, url, await this.jsonRequest(method, url, body, opts)), opts.okCodes);
  }

  /** The answer of a JSON endpoint as text, not parsed yet (json() in two steps). */
  async jsonText(what: string, method: 'GET' | 'POST', url: string, body?: unknown, opts: JsonCallOptions = {}): Promise<string> {
    return decodeUtf8(this.jsonAnswer(what, url, await this.jsonRequest(method, url, body, opts)));
  }

  private jsonRequest(method: 'GET' | 'POST', url: string, body: unknown, opts: JsonCallOptions): Promise<HttpResponse> {
    const payload = body === undefined ? undefined : isFormData(body) ? body : JSON.stringify(body);
    return this.request(method, url, payload, opts.timeoutMs ?? this.opts.timeouts.other, opts.signal, undefined, opts.repeated);
  }

  /**
   * A JSON endpoint's answer, its bytes (parsed from them, not from their text: see `quoteBigInts`): any status but
   * 2xx is a network failure.
   */
  private jsonAnswer(what: string, url: string, res: HttpResponse): Buffer {
    this.checked(url, res);
    if (res.status >= 300) throw new TransportError('network', `${what}: HTTP ${res.status}`);
    return res.body;
  }

  /** Parse a JSON answer (its bytes or its text) and check its BaseResponse. */
  parseJson<T extends { BaseResponse?: { Ret: number; ErrMsg: string } }>(what: string, body: string | Uint8Array, okCodes?: readonly number[]): T {
    let parsed: T;
    try {
      parsed = parseWireJson<T>(body);
    } catch (err) {
      throw new TransportError('network', `${what}: unreadable answer (not JSON)`, undefined, { cause: err });
    }
    checkBase(what, parsed, okCodes);
    return parsed;
  }

  // ---------- login (§4)

  /** §4.1 → uuid. */
  async jslogin(signal?: AbortSignal): Promise<string> {
    const redirect = `https://wx.qq.com${CGI}webwxnewloginpage${this.opts.desktop ? '?mod=desktop' : ''}`;
    const url = `https://${PRELOGIN_HOST}/jslogin${queryString({ appid: APP_ID, fun: 'new', lang: this.opts.lang, redirect_uri: redirect, _: this.opts.clock.now() })}`;
    const res = await this.send('GET', url, undefined, this.opts.timeouts.jslogin, signal);
    const parsed = parseJsLogin(bodyText(res));
    if (!parsed || parsed.code !== 200 || !parsed.uuid) {
      throw new TransportError('network', `jslogin: no QR session (code ${parsed?.code ?? 'unreadable'})`, parsed?.code);
    }
    return parsed.uuid;
  }

  /** §4.3 one long poll. Unreadable bodies count as 0 (server error → new QR). */
  async pollLogin(uuid: string, tip: 0 | 1, signal?: AbortSignal, loginHost: string = PRELOGIN_HOST): Promise<LoginPollResult> {
    const now = this.opts.clock.now();
    const url = `https://${loginHost}${CGI}login${queryString({ loginicon: 'true', uuid, tip, r: ~now, _: now })}`;
    const res = await this.send('GET', url, undefined, this.opts.timeouts.loginPoll, signal);
    return parseLoginPoll(bodyText(res)) ?? { code: 0 };
  }

  /** §4.4: never follows redirects; 200 and 301-without-Location both carry the XML. */
  async newLoginPage(redirectUri: string, signal?: AbortSignal): Promise<{ status: number; page: RawLoginPage | undefined; body: string }> {
    const url = `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}fun=new&version=v2${this.opts.desktop ? '&mod=desktop' : ''}`;
    const headers: Record<string, string> = this.opts.desktop
      ? { 'client-version': '2.0.0', extspam: UOS_EXTSPAM, referer: 'https://wx.qq.com/?&lang=zh_CN&target=t' }
      : {};
    const res = await this.send('GET', url, undefined, this.opts.timeouts.other, signal, headers);
    const body = bodyText(res);
    return { status: res.status, page: await parseLoginPage(body), body };
  }

  /** §4.5 push login: a uuid waiting for the phone's confirm, or undefined (fall back to QR). */
  async pushLogin(signal?: AbortSignal): Promise<{ uuid?: string; ret: string; msg: string }> {
    const url = this.url('web', 'webwxpushloginurl', { uin: this.state.uin, ...(this.opts.desktop ? { mod: 'desktop' } : {}) });
    const res = await this.send('GET', url, undefined, this.opts.timeouts.other, signal);
    let parsed: RawPushLoginResponse;
    try {
      parsed = parseWireJson<RawPushLoginResponse>(bodyText(res));
    } catch {
      return { ret: 'unreadable', msg: `HTTP ${res.status}` };
    }
    return { ret: String(parsed.ret), msg: parsed.msg ?? '', ...(String(parsed.ret) === '0' && parsed.uuid ? { uuid: parsed.uuid } : {}) };
  }

  // ---------- session (§5)

  init(signal?: AbortSignal): Promise<RawInitResponse> {
    const url = this.url('web', 'webwxinit', { r: notNow(this.opts.clock), lang: this.opts.lang, pass_ticket: this.state.passTicket });
    return this.json<RawInitResponse>('webwxinit', 'POST', url, { BaseRequest: this.baseRequest() }, { ...(signal ? { signal } : {}) });
  }

  async statusNotify(code: number, to: string, clientMsgId: string, signal?: AbortSignal): Promise<string> {
    const url = this.url('web', 'webwxstatusnotify', { lang: this.opts.lang, pass_ticket: this.state.passTicket });
    const self = this.state.self?.UserName ?? '';
    const r = await this.json<{ BaseResponse: { Ret: number; ErrMsg: string }; MsgID?: string }>(
      'webwxstatusnotify',
      'POST',
      url,
      { BaseRequest: this.baseRequest(), Code: code, FromUserName: self, ToUserName: to, ClientMsgId: clientMsgId },
      { ...(signal ? { signal } : {}) },
    );
    return String(r.MsgID ?? '');
  }

  /** One address-book page as text (see loadContactPages: the next page is asked for before this one is parsed). */
  getContactText(seq: number, signal?: AbortSignal): Promise<string> {
    const url = this.url('web', 'webwxgetcontact', {
      lang: this.opts.lang,
      pass_ticket: this.state.passTicket,
      skey: this.state.skey,
      seq,
      r: this.opts.clock.now(),
    });
    return this.jsonText('webwxgetcontact', 'GET', url, undefined, { ...(signal ? { signal } : {}) });
  }

  parseContactPage(text: string): RawGetContactResponse {
    return this.parseJson<RawGetContactResponse>('webwxgetcontact', text);
  }

  /** ≤50 items per call (the caller chunks). Unknown names are simply absent. */
  async batchGetContact(items: RawBatchGetContactItem[], signal?: AbortSignal): Promise<RawContact[]> {
    const url = this.url('web', 'webwxbatchgetcontact', { type: 'ex', r: this.opts.clock.now(), lang: this.opts.lang, pass_ticket: this.state.passTicket });
    const r = await this.json<RawBatchGetContactResponse>(
      'webwxbatchgetcontact',
      'POST',
      url,
      { BaseRequest: this.baseRequest(), Count: items.length, List: items },
      { ...(signal ? { signal } : {}) },
    );
    return Array.isArray(r.ContactList) ? r.ContactList : [];
  }

  /**
   * §5.5; garbage → undefined (the loop treats it as a failed cycle). Not an async function, and not
   * through `send`: the server holds this request 25 s, and every async frame waiting on it (with
   * what it holds) lives that long, outlives two young-generation collections and is promoted. With
   * 1,000 idle accounts that was a steady growth of the old space, paid for in full collections.
   */
  syncCheck(signal?: AbortSignal): Promise<SyncCheckResult | undefined> {
    const now = this.opts.clock.now();
    const url = this.syncCheckUrl(now, newDeviceId(this.opts.clock), this.syncCheckKeyText());
    return this.http.longPoll({ url, timeoutMs: this.opts.timeouts.syncCheck, ...(signal && { signal }) }).then(readSyncCheck);
  }

  /**
   * The synccheck URL (r, skey, sid, uin, deviceid, synckey, _ in that order), its session part
   * encoded once and kept until the host or a credential changes: every idle account sends one
   * per long poll.
   */
  private syncCheckUrl(now: number, deviceId: string, key: string): string {
    const { hosts, skey, sid, uin } = this.state;
    let fixed = this.syncCheckFixed;
    if (!fixed || fixed.host !== hosts.push || fixed.skey !== skey || fixed.sid !== sid || fixed.uin !== uin) {
      const session = queryString({ skey, sid, uin });
      fixed = { host: hosts.push, skey, sid, uin, head: this.url('push', 'synccheck') + '?r=', session: session && '&' + session.slice(1) };
      this.syncCheckFixed = fixed;
    }
    return `${fixed.head}${now}${fixed.session}&deviceid=${deviceId}&synckey=${key}&_=${now}`;
  }

  /** The synccheck's `synckey`, encoded, kept while the key is the same object (a sync replaces it whole; idle, it stays). */
  private syncCheckKeyText(): string {
    const key = this.state.syncCheckKey ?? this.state.syncKey;
    const kept = this.syncCheckKeyKept;
    if (kept && kept.key === key) return kept.text;
    const text = encodeURIComponent(formatSyncKey(key));
    this.syncCheckKeyKept = { key, text };
    return text;
  }

  private syncCheckKeyKept: { key: RawSyncKey | undefined; text: string } | undefined;

  private syncCheckFixed: { host: string; skey: string; sid: string; uin: string; head: string; session: string } | undefined;

  sync(signal?: AbortSignal): Promise<RawSyncResponse> {
    const url = this.url('web', 'webwxsync', { sid: this.state.sid, skey: this.state.skey, lang: this.opts.lang, pass_ticket: this.state.passTicket });
    return this.json<RawSyncResponse>(
      'webwxsync',
      'POST',
      url,
      { BaseRequest: this.baseRequest(), SyncKey: this.state.syncKey, rr: notNow(this.opts.clock) },
      { timeoutMs: this.opts.timeouts.sync, repeated: true, ...(signal ? { signal } : {}) },
    );
  }

  /** §5.7: official form POST with sid/uin; the answer (a redirect page) is ignored. */
  /** `webwxlogout` as the official client posts it (§5.7); `type` from `logoutTypeFor`. */
  async logout(type: 0 | 1, signal?: AbortSignal): Promise<void> {
    const url = this.url('web', 'webwxlogout', { redirect: 1, type, skey: this.state.skey });
    const form = new URLSearchParams({ sid: this.state.sid, uin: this.state.uin }).toString();
    await this.http.request({
      method: 'POST',
      url,
      body: form,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      timeoutMs: this.opts.timeouts.other,
      ...(signal ? { signal } : {}),
    });
  }
}

/** A synccheck answer: 5xx is a network failure (as `send` says), anything else is read as its body. */
function readSyncCheck(res: HttpResponse): SyncCheckResult | undefined {
  if (res.status >= 500) throw new TransportError('network', `${CGI}synccheck: HTTP ${res.status}`);
  return parseSyncCheck(bodyText(res));
}
