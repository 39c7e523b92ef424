/**
 * One iLink account's HTTP: the headers and `base_info` of ilink.md §2.3–2.4, a timeout per call,
 * and the reading of every answer into a typed outcome (§8.1). Once the server says the token is
 * dead (-14) no call carrying it ever leaves again: the account needs a new scan.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { directRequest, RequestTimeoutError, type DirectResponse } from '../transport/direct-request.js';
import { TransportError } from '../transport/errors.js';
import { ResumingAgent } from '../transport/resuming-agent.js';
import { decodeUtf8, parseWireJson } from '../util/wire-json.js';
import type { WireBaseInfo, WireStatus } from './wire.js';
import { messageOf } from '../util/error-text.js';

/** The server's "session timeout": the bot token no longer works. */
export const STALE_TOKEN = -14;

export interface IlinkHttpOptions {
  /** Our version, sent as `channel_version` and encoded into `iLink-App-ClientVersion`. */
  version: string;
  /** `base_info.bot_agent` (default `weiroto/<version>`). */
  botAgent?: string;
  /** `SKRouteTag`, only when the operator configured one. */
  routeTag?: string;
  /**
   * Send through this fetch instead (tests that route the real host names). By default calls go
   * straight to node:http(s) on keep-alive agents: a request that went out on a kept-alive socket
   * the server had just closed is sent again (direct-request.ts), which fetch cannot tell apart
   * from a reset of a request the server saw; and fetch costs several times the CPU per exchange,
   * which an idle account spends on every long poll.
   */
  fetch?: typeof fetch;
  /** The keep-alive agents to use (tests); default: the ones every iLink account of the process shares. */
  agents?: IlinkAgents;
}

export interface IlinkAgents {
  http: http.Agent;
  https: ResumingAgent;
}

let shared: IlinkAgents | undefined;

/**
 * Every iLink account of a process talks to the same host, and a connection carries nothing of an
 * account (the token travels in each request): one pool, so that a restart of 1,000 accounts makes
 * one full TLS handshake and resumes the session in the others, instead of one full handshake per
 * account. Idle sockets do not keep the process alive (the agents unref them).
 */
function sharedAgents(): IlinkAgents {
  return (shared ??= { http: new http.Agent({ keepAlive: true }), https: new ResumingAgent({ keepAlive: true }) });
}

/** A request as the calls build it. */
interface Outgoing {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Send the bearer token (default true); a call needing it fails at once when it is dead. */
  auth?: boolean;
  /** Add `base_info` to the body (default true for authenticated calls). */
  baseInfo?: boolean;
}

/** A call that got no answer within its timeout (a normal end of a long poll). */
export class IlinkTimeoutError extends TransportError {
  constructor(path: string, ms: number) {
    super('network', `iLink ${path}: no answer within ${ms} ms`);
  }
}

/** An answer: the parsed body, or `empty` for HTTP 200 with nothing in it. */
export type IlinkAnswer<T> = { empty: true } | { empty: false; body: T };

/** `iLink-App-ClientVersion`: (major << 16) | (minor << 8) | patch (§2.3). */
export function clientVersionNumber(version: string): number {
  const [major = 0, minor = 0, patch = 0] = version.split(/[.+-]/).map((n) => Number.parseInt(n, 10) || 0);
  return (((major & 0xff) << 16) | ((minor & 0xff) << 8) | (patch & 0xff)) >>> 0;
}

/** `X-WECHAT-UIN`: a random uint32 as a decimal string, base64-encoded (§2.3). */
export function randomUin(): string {
  return Buffer.from(String(randomBytes(4).readUInt32BE(0))).toString('base64');
}

/** A path joined to a base the way the official client does (trailing slash added, §2.1). */
export function joinUrl(base: string, path: string): string {
  return (base.endsWith('/') ? base : `${base}/`) + path;
}

export class IlinkHttp {
  private token: string | undefined;
  private dead = false;
  /** Called once when the server first says the token is dead. */
  onStaleToken: ((message: string) => void) | undefined;
  private readonly fetchFn: typeof fetch | undefined;
  private readonly agents: IlinkAgents;
  private readonly baseInfo: WireBaseInfo;
  private readonly common: Record<string, string>;

  constructor(options: IlinkHttpOptions) {
    this.fetchFn = options.fetch;
    this.agents = options.agents ?? sharedAgents();
    this.baseInfo = { channel_version: options.version, bot_agent: options.botAgent ?? `weiroto/${options.version}` };
    this.common = {
      'iLink-App-Id': 'bot',
      'iLink-App-ClientVersion': String(clientVersionNumber(options.version)),
      ...(options.routeTag && { SKRouteTag: options.routeTag }),
    };
  }

  /** Use this bot token from now on (after a login or a restore). */
  setToken(token: string | undefined): void {
    this.token = token;
    this.dead = false;
  }

  get hasToken(): boolean {
    return this.token !== undefined && !this.dead;
  }

  /** The token died (-14): forget it so that no later call carries it. */
  killToken(): void {
    this.token = undefined;
    this.dead = true;
  }

  /** POST JSON; returns the answer or throws a TransportError (stale token, HTTP error, garbage, timeout). */
  async post<T extends WireStatus>(base: string, path: string, body: Record<string, unknown>, o: CallOptions): Promise<IlinkAnswer<T>> {
    const auth = o.auth ?? true;
    const headers: Record<string, string> = {
      ...this.common,
      'Content-Type': 'application/json',
      AuthorizationType: 'ilink_bot_token',
      'X-WECHAT-UIN': randomUin(),
    };
    if (auth) headers.Authorization = `Bearer ${this.requireToken(path)}`;
    const payload = (o.baseInfo ?? auth) ? { ...body, base_info: this.baseInfo } : body;
    return this.call<T>(joinUrl(base, path), path, { method: 'POST', headers, body: JSON.stringify(payload) }, o);
  }

  /** GET (the QR status poll). */
  async get<T extends WireStatus>(url: string, path: string, o: CallOptions): Promise<IlinkAnswer<T>> {
    const headers: Record<string, string> = { ...this.common };
    if (o.auth) headers.Authorization = `Bearer ${this.requireToken(path)}`;
    return this.call<T>(url, path, { method: 'GET', headers }, o);
  }

  private requireToken(path: string): string {
    if (this.token === undefined || this.dead) {
      throw new TransportError(
        'logged-out',
        `iLink ${path}: ${this.dead ? 'the bot token is dead (-14); scan again' : 'not logged in'}`,
        this.dead ? STALE_TOKEN : undefined,
      );
    }
    return this.token;
  }

  /**
   * One exchange under the call's deadline; past it, rejects with a `RequestTimeoutError`. On the
   * default path the deadline is directRequest's own timer and the caller's signal goes through as
   * it is: an `AbortSignal.timeout` and an `AbortSignal.any` per call, as before, are held through
   * WeakRefs, which V8 clears only in a full collection, so every long poll's signals (35 s, 1,000
   * accounts: ~30 a second) reached the old space and fed the periodic full collections of an idle
   * process (issue 17). Nor an async frame on that path: a promise handed on with `.then` keeps
   * nothing of the call alive while the server holds it.
   */
  private exchange(url: string, req: Outgoing, o: CallOptions): Promise<{ status: number; text: string }> {
    if (this.fetchFn) return this.viaFetch(this.fetchFn, url, req, o);
    const target = new URL(url);
    const agent = target.protocol === 'https:' ? this.agents.https : this.agents.http;
    return directRequest({ ...req, url: target, agent, timeoutMs: o.timeoutMs, ...(o.signal && { signal: o.signal }) }).then(readDirect);
  }

  private async viaFetch(fetchFn: typeof fetch, url: string, req: Outgoing, o: CallOptions): Promise<{ status: number; text: string }> {
    const timeout = AbortSignal.timeout(o.timeoutMs);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    try {
      const res = await fetchFn(url, { ...req, signal });
      return { status: res.status, text: await res.text() };
    } catch (e) {
      if (timeout.aborted && !o.signal?.aborted) throw new RequestTimeoutError(o.timeoutMs);
      throw e;
    }
  }

  private call<T extends WireStatus>(url: string, path: string, req: Outgoing, o: CallOptions): Promise<IlinkAnswer<T>> {
    let sent: Promise<{ status: number; text: string }>;
    try {
      sent = this.exchange(url, req, o);
    } catch (e) {
      sent = Promise.reject(e as Error); // a base URL that does not parse fails as a network error, as before
    }
    return sent.then(
      (answer) => this.read<T>(path, answer),
      (e: unknown) => {
        if (o.signal?.aborted) throw o.signal.reason;
        if (e instanceof RequestTimeoutError) throw new IlinkTimeoutError(path, o.timeoutMs);
        throw new TransportError('network', `iLink ${path}: ${messageOf(e)}`, undefined, { cause: e });
      },
    );
  }

  /** An answer read into its outcome (§8.1). */
  private read<T extends WireStatus>(path: string, { status, text }: { status: number; text: string }): IlinkAnswer<T> {
    if (status < 200 || status > 299) throw new TransportError('network', `iLink ${path}: HTTP ${status}`, status);
    if (text.trim() === '') return { empty: true };
    let body: T;
    try {
      body = parseWireJson<T>(text);
    } catch {
      throw new TransportError('network', `iLink ${path}: unreadable answer (${text.length} bytes)`);
    }
    if (body === null || typeof body !== 'object') throw new TransportError('network', `iLink ${path}: unreadable answer`);
    if (body.errcode === STALE_TOKEN || body.ret === STALE_TOKEN) {
      const first = !this.dead;
      this.killToken();
      const message = `iLink ${path}: ${body.errmsg || 'session timeout'} (-14): the bot token is dead (bound elsewhere or expired); scan again`;
      if (first) this.onStaleToken?.(message);
      throw new TransportError('logged-out', message, STALE_TOKEN);
    }
    return { empty: false, body };
  }
}

/** The server's error code in an answer (`ret`, else `errcode`), 0 when none. */
export function answerCode(body: WireStatus): number {
  return Number(body.ret ?? body.errcode ?? 0) || 0;
}

const readDirect = (res: DirectResponse): { status: number; text: string } => ({ status: res.status, text: decodeUtf8(res.body) });
