/**
 * The HTTP layer of one session (§1.1, §3, §13): kept-alive connections, one tough-cookie jar (RFC 6265
 * domain matching, so `.wx2.qq.com` cookies reach `webpush.` and `file.` hosts), hard per-request
 * timeouts, no redirect following, bodies as bytes. Media transfers (uploads, downloads) go
 * through axios, which streams multipart bodies and big answers; the small requests that run for
 * every message (sync, sends, contacts, login) are written on the session's own kept-alive sockets
 * (connection-pool.ts), the long poll on one of its own (poll-connection.ts). In endpoint mode every
 * request goes to one origin with `X-Wechat-Host: <logical host>` while cookies stay keyed by the
 * logical https URL (contract-sandbox.md). Nothing here is shared between sessions.
 */
import http from 'node:http';
import net from 'node:net';
import type tls from 'node:tls';
import type { AxiosInstance } from 'axios';
import type { CookieJar, SerializedCookieJar } from 'tough-cookie';
import type * as ToughCookie from 'tough-cookie';
import { TransportError } from '../transport/errors.js';
import { loadAxios } from '../util/axios.js';
import { requireLater } from '../util/require-later.js';
import { RequestTimeoutError, socketHostname } from '../transport/direct-request.js';
import { ResumingAgent } from '../transport/resuming-agent.js';
import { decodeUtf8 } from './wire-json.js';
import { PollConnection } from './poll-connection.js';
import { ConnectionPool } from './connection-pool.js';

export const BROWSER_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** The logical URL (https://<wechat host>/path?query). */
  url: string;
  headers?: Record<string, string>;
  /** A JSON string, a form, or raw bytes. */
  body?: string | FormData | Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
  /** A media upload or download (axios; a FormData body always is one). */
  transfer?: boolean;
  /**
   * The same URL is sent again and again (a send's, a sync's: only the session's own parts in it): its parse is
   * kept (`HttpSession.targetOf`). Not for a URL with a time or a counter in it (synccheck, login polls): each
   * would be kept for nothing.
   */
  repeated?: boolean;
}

/** Where a request goes, from its logical URL: what `HttpSession.send` derives from it before each request. */
interface RequestTarget {
  /** The logical URL (cookies are keyed by it). */
  logical: URL;
  /** Where the bytes go: the logical URL, or its path and query on the endpoint. */
  target: URL;
  /** The cookie cache's key: the logical URL without its query. */
  cookieKey: string;
  /** The target's path and query, as the request line names them. */
  path: string;
  /** The head last written to it without headers of the caller's, with what it was made of (see `HttpSession.send`). */
  head?: { method: string; cookie: string; json: boolean; text: string };
}

/** Where a session's long poll goes (`HttpSession.longPoll`): its socket's URL and the fixed lines of its head. */
interface PollTarget {
  /** The logical origin (https://webpush.wx2.qq.com). */
  origin: string;
  target: URL;
  /** Host, User-Agent, Accept. */
  head: string;
  /** X-Wechat-Host in endpoint mode, Accept-Encoding, Connection, the empty line. */
  tail: string;
}

/** A header name node:http accepts (RFC 9110 token). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What node:http refuses in a header value: control characters but tab (CR and LF among them), and anything past latin1. */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * A request's head and body as one write, one buffer: the head latin1 (as node:http writes it), the
 * body UTF-8. Each part is written into it as it is; a string of head and body joined was a new
 * string of the whole request (the join flattened when written) that the TLS socket then copied
 * once more into memory of its own, where it takes a buffer's bytes as they are (issue 17).
 */
function requestBytes(head: string, body: string | Buffer | undefined): Buffer {
  const size = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const framing = body === undefined ? 'Connection: keep-alive\r\n\r\n' : `Content-Length: ${size}\r\nConnection: keep-alive\r\n\r\n`;
  const bytes = Buffer.allocUnsafe(head.length + framing.length + size);
  let at = bytes.write(head, 0, 'latin1');
  at += bytes.write(framing, at, 'latin1');
  if (typeof body === 'string') bytes.write(body, at, 'utf8');
  else body?.copy(bytes, at);
  return bytes;
}

/** Parsed targets kept per session at most (a session repeats a few URLs; a new pass ticket makes new ones). */
const TARGETS_KEPT = 16;

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface HttpSessionOptions {
  /** e.g. http://127.0.0.1:5701; unset = the real hosts over HTTPS. */
  endpoint?: string;
  userAgent?: string;
}

/**
 * Whether `x` is a FormData, without touching the global `FormData`: its first use loads Node's
 * fetch implementation (undici, megabytes), and this check runs on every request.
 */
export function isFormData(x: unknown): x is FormData {
  return typeof x === 'object' && x !== null && Object.prototype.toString.call(x) === '[object FormData]';
}

/** Read a response body as text (UTF-8 with replacement). */
export function bodyText(res: HttpResponse): string {
  return decodeUtf8(res.body);
}

/** tough-cookie, loaded with the first cookie of any session (its CommonJS build: the jar is used synchronously). */
const toughCookie = requireLater<typeof ToughCookie>('tough-cookie');

/** One session's HTTP client: cookie jar, agents, endpoint mapping. */
export class HttpSession {
  /** Made with the first cookie: a session waiting for its QR to be scanned has none (tough-cookie weighs ~2 MiB). */
  private jar: CookieJar | undefined;
  /** Made with the first long poll. */
  private poller: PollConnection | undefined;
  /** The other small requests' connections (connection-pool.ts), made with the first. */
  private pool: ConnectionPool | undefined;
  /** Made on the first media transfer: most sessions never make one, and axios is heavy. */
  private axios: AxiosInstance | undefined;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: ResumingAgent;
  /**
   * The Cookie header per URL without its query, as the jar last answered, until the first of its
   * cookies expires. The jar's answer only changes when a cookie is set or expires, and asking it
   * costs more than the rest of building a request; every set goes through this class, which then
   * drops the cache.
   */
  private cookieCache = new Map<string, { header: string; until: number }>();
  private readonly endpoint: URL | undefined;
  private readonly userAgent: string;
  /** The User-Agent and Accept lines of a request's head. */
  private readonly agentLines: string;

  constructor(options: HttpSessionOptions = {}) {
    this.endpoint = options.endpoint ? new URL(options.endpoint) : undefined;
    this.userAgent = options.userAgent ?? BROWSER_UA;
    if (BAD_VALUE.test(this.userAgent)) throw new TypeError('the user agent holds a character no HTTP header may hold');
    this.agentLines = `User-Agent: ${this.userAgent}\r\nAccept: */*\r\n`;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    // WeChat answers JSON with `Connection: close`, so most requests open a new TLS connection.
    this.httpsAgent = new ResumingAgent({ keepAlive: true, maxSockets: 8 });
  }

  /** Replace the jar (session restore). */
  loadCookies(serialized: SerializedCookieJar): void {
    this.jar = toughCookie().CookieJar.deserializeSync(serialized);
    this.cookieCache.clear();
  }

  serializeCookies(): SerializedCookieJar {
    const s = this.cookieJar().serializeSync();
    if (!s) throw new Error('cookie jar is not serialisable');
    return s;
  }

  /** Value of a cookie as it would be sent to `url`. */
  cookie(url: string, name: string): string | undefined {
    for (const c of this.jar?.getCookiesSync(url) ?? []) if (c.key === name) return c.value;
    return undefined;
  }

  /** Put a cookie into the jar for `url` (push-login seeding, tests). */
  setCookie(cookie: string, url: string): void {
    this.cookieJar().setCookieSync(cookie, url, { ignoreError: true });
    this.cookieCache.clear();
  }

  private cookieJar(): CookieJar {
    return (this.jar ??= new (toughCookie().CookieJar)());
  }

  private cookieHeader(href: string, key: string, now: number): string {
    if (!this.jar) return '';
    const hit = this.cookieCache.get(key);
    if (hit && now < hit.until) return hit.header;
    const header = this.jar.getCookieStringSync(href);
    // Written into a request's head as it is: checked here, once per header the jar makes.
    if (BAD_VALUE.test(header)) throw new TypeError('a cookie holds a character no HTTP header may hold');
    let until = Infinity;
    for (const c of this.jar.getCookiesSync(href)) until = Math.min(until, c.expiryTime() ?? Infinity);
    this.cookieCache.set(key, { header, until });
    return header;
  }

  /**
   * Send a request. Network failures, timeouts and aborts become TransportError('network');
   * any HTTP status is returned to the caller (who decides what 301 or 500 means).
   *
   * Not an async function: what it builds (the parsed URLs, the headers) is garbage once the request
   * is out, and an async frame would keep it for as long as the answer takes. A long poll's answer
   * takes 25 s, long enough for it to be promoted to the old space (see SyncApi.syncCheck).
   */
  request(req: HttpRequest): Promise<HttpResponse> {
    let sent: Promise<HttpResponse>;
    try {
      sent = this.send(req);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return sent.then(
      (res) => this.received(req.url, res),
      (err: unknown) => {
        throw this.failure(req, err);
      },
    );
  }

  /**
   * A long poll (synccheck): a GET on the session's own kept-alive connection (poll-connection.ts
   * says why), with the headers and cookies `request` sends and its failures: the caller's abort
   * reason, else a network TransportError.
   */
  longPoll(req: Pick<HttpRequest, 'url' | 'timeoutMs' | 'signal'>): Promise<HttpResponse> {
    let sent: Promise<HttpResponse>;
    try {
      // The URL is new at every poll (a time, a device id): cut at its first '/' and '?' rather than parsed.
      const { url } = req;
      const slash = url.indexOf('/', url.indexOf('//') + 2);
      const query = url.indexOf('?', slash);
      const to = this.pollTargetOf(url.slice(0, slash));
      const cookie = this.cookieHeader(url, query < 0 ? url : url.slice(0, query), Date.now());
      // What node:http wrote for it (directRequest's headers, then its own Connection), in that order.
      const head = `GET ${url.slice(slash)} HTTP/1.1\r\n${to.head}${cookie && `Cookie: ${cookie}\r\n`}${to.tail}`;
      this.poller ??= new PollConnection((t) => this.connect(t));
      sent = this.poller.exchange(to.target, head, req.timeoutMs, req.signal);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return sent.then(
      (res) => this.received(req.url, res),
      (err: unknown) => {
        throw this.failure({ method: 'GET', ...req }, err);
      },
    );
  }

  /** Where the long poll of a logical origin goes, and its header lines before and after the Cookie, kept per origin. */
  private pollTargetOf(origin: string): PollTarget {
    if (this.pollTarget?.origin === origin) return this.pollTarget;
    const logical = new URL(origin);
    const target = this.endpoint ?? logical;
    this.pollTarget = {
      origin,
      target,
      head: `Host: ${target.host}\r\n${this.agentLines}`,
      tail: `${this.endpoint ? `X-Wechat-Host: ${logical.host}\r\n` : ''}Accept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n\r\n`,
    };
    return this.pollTarget;
  }

  private pollTarget: PollTarget | undefined;

  /** A socket of the session's own (the long poll's, the pool's): TLS through the agent (its secure context and resumed sessions), plain TCP to an http endpoint. */
  private connect(target: URL): net.Socket {
    const host = socketHostname(target.hostname);
    let socket: net.Socket;
    if (target.protocol === 'https:') {
      const options: tls.ConnectionOptions = { host, port: Number(target.port || 443), ...(net.isIP(host) === 0 && { servername: host }) };
      socket = this.httpsAgent.createConnection(options) as net.Socket;
    } else socket = net.connect({ host, port: Number(target.port || 80) });
    socket.setNoDelay(true);
    return socket;
  }

  /**
   * Where `url` goes. A repeated URL's is kept: parsing it (a URL object, its origin, path and query as strings)
   * was most of what building a send's request allocated (issue 17).
   */
  private targetOf(url: string, repeated: boolean | undefined): RequestTarget {
    const kept = repeated ? this.targets.get(url) : undefined;
    if (kept) return kept;
    const logical = new URL(url);
    const target = this.endpoint ? new URL(logical.pathname + logical.search, this.endpoint.origin) : logical;
    const made = { logical, target, cookieKey: logical.origin + logical.pathname, path: target.pathname + target.search };
    if (repeated) {
      if (this.targets.size >= TARGETS_KEPT) this.targets.clear();
      this.targets.set(url, made);
    }
    return made;
  }

  private readonly targets = new Map<string, RequestTarget>();

  private send(req: HttpRequest): Promise<HttpResponse> {
    const to = this.targetOf(req.url, req.repeated);
    const { body } = req;
    if (req.transfer || isFormData(body)) return this.viaAxios(req, to);
    const cookie = this.cookieHeader(to.logical.href, to.cookieKey, Date.now());
    const json = typeof body === 'string';
    let head: string;
    if (req.headers || !req.repeated) head = this.headOf(req.method, to, cookie, json, req.headers);
    else {
      // Without headers of the caller's, the head is the same for every request to a kept target (a send's, a
      // sync's) until the cookies change: kept with the target, not concatenated again per request (issue 17).
      const kept = to.head;
      if (kept?.method === req.method && kept.cookie === cookie && kept.json === json) head = kept.text;
      else to.head = { method: req.method, cookie, json, text: (head = this.headOf(req.method, to, cookie, json)) };
    }
    this.pool ??= new ConnectionPool((t) => this.connect(t));
    return this.pool.exchange(to.target, requestBytes(head, body), req.timeoutMs, req.signal);
  }

  /** A request's head but its framing lines (Content-Length, Connection and the empty line: `requestBytes`'). */
  private headOf(method: string, to: RequestTarget, cookie: string, json: boolean, own?: Record<string, string>): string {
    let head = `${method} ${to.path} HTTP/1.1\r\nHost: ${to.target.host}\r\n`;
    let typed = false;
    let encoding = false;
    if (own) {
      // The caller's own headers, as the agents' path sent them: User-Agent and Accept replaced in place.
      const headers: Record<string, string> = { 'User-Agent': this.userAgent, Accept: '*/*', ...own };
      for (const name in headers) {
        const value = headers[name]!;
        if (!TOKEN.test(name) || BAD_VALUE.test(value)) throw new TypeError(`invalid HTTP header ${JSON.stringify(name)}`);
        if (name === 'Content-Type' && value) typed = true;
        else if (name.length === 15 && name.toLowerCase() === 'accept-encoding') encoding = true;
        head += `${name}: ${value}\r\n`;
      }
    } else head += this.agentLines;
    if (cookie) head += `Cookie: ${cookie}\r\n`;
    if (this.endpoint) head += `X-Wechat-Host: ${to.logical.host}\r\n`;
    if (json && !typed) head += 'Content-Type: application/json;charset=UTF-8\r\n';
    if (!encoding) head += 'Accept-Encoding: gzip, deflate, br\r\n';
    return head;
  }

  /** The answer's cookies into the jar (keyed by the logical URL). */
  private received(url: string, res: HttpResponse): HttpResponse {
    const setCookie = res.headers['set-cookie'];
    if (setCookie) {
      const jar = this.cookieJar();
      for (const c of setCookie) jar.setCookieSync(c, url, { ignoreError: true });
      this.cookieCache.clear();
    }
    return res;
  }

  /** What a failed exchange rejects with: the caller's abort reason, else a network TransportError. */
  private failure(req: Pick<HttpRequest, 'method' | 'url' | 'timeoutMs' | 'signal'>, err: unknown): unknown {
    if (req.signal?.aborted) return req.signal.reason ?? err;
    const what = err instanceof RequestTimeoutError ? `timed out after ${req.timeoutMs} ms` : ((err as Error).message ?? 'failed');
    return new TransportError('network', `${req.method} ${new URL(req.url).pathname} ${what}`, undefined, { cause: err });
  }

  /** A media transfer through axios, under the same hard deadline (axios' own timeout is an idle timeout). */
  private async viaAxios(req: HttpRequest, to: RequestTarget): Promise<HttpResponse> {
    const { logical } = to;
    const headers: Record<string, string> = { 'User-Agent': this.userAgent, Accept: '*/*', ...req.headers };
    const cookie = this.cookieHeader(logical.href, to.cookieKey, Date.now());
    if (cookie) headers.Cookie = cookie;
    if (this.endpoint) headers['X-Wechat-Host'] = logical.host;
    if (typeof req.body === 'string' && !headers['Content-Type']) headers['Content-Type'] = 'application/json;charset=UTF-8';
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(new RequestTimeoutError(req.timeoutMs)), req.timeoutMs);
    const onAbort = (): void => ctrl.abort(req.signal?.reason);
    if (req.signal) {
      if (req.signal.aborted) onAbort();
      else req.signal.addEventListener('abort', onAbort, { once: true });
    }
    this.axios ??= loadAxios().create({
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'arraybuffer',
      transformResponse: [(d: unknown) => d],
      decompress: true,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // Uploads of 25 MiB chunks and big downloads: no artificial size limits.
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      proxy: false,
    });
    try {
      const res = await this.axios.request<ArrayBuffer>({ method: req.method, url: to.target.href, headers, data: req.body, signal: ctrl.signal });
      const body = res.data as unknown;
      return {
        status: res.status,
        headers: res.headers as HttpResponse['headers'],
        body: Buffer.isBuffer(body) ? body : body instanceof ArrayBuffer ? Buffer.from(body) : Buffer.from(String(body ?? '')),
      };
    } catch (err) {
      if (ctrl.signal.reason instanceof RequestTimeoutError) throw ctrl.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Close the long poll's connection, the other requests' (those under way fail) and the agents' idle sockets. */
  close(): void {
    this.poller?.close();
    this.pool?.close();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
