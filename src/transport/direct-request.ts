/**
 * One HTTP exchange on node:http(s), bodies as bytes: the engine of the iLink client's small requests
 * (getupdates, sendmessage…), which run once or more per message or long poll. (The web client's
 * run on its sessions' own kept-alive sockets instead: protocol/connection-pool.ts, whose behaviour
 * this file's is the reference for.) axios, which carries web media transfers
 * (protocol/http.ts), spends about 0.3 ms of CPU per request merging its config and headers before
 * the socket sees a byte; on this path that was a tenth of a message's cost (bench/compare CPU
 * profile). fetch (undici) costs more still per exchange: WHATWG streams and headers around each.
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { asError } from '../util/error-text.js';

export interface DirectRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string | Buffer;
  agent: http.Agent;
  /** Aborts the exchange; its reason is what the promise rejects with. */
  signal?: AbortSignal;
  /**
   * A hard deadline for the whole exchange (the retry on a stale socket included): past it the
   * request is destroyed and the promise rejects with a `RequestTimeoutError`. A timer of its own
   * rather than an AbortController per request: a send has no caller signal, and an AbortSignal
   * with its listeners cost more than the rest of building the request (bench/compare profile).
   */
  timeoutMs?: number;
}

/** The exchange outlived `DirectRequest.timeoutMs`. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  constructor(readonly ms: number) {
    super(`timeout after ${ms} ms`);
  }
}

export interface DirectResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** The server closed an idle kept-alive socket just as this request went out on it: nothing reached it. */
class StaleSocketError extends Error {}

/**
 * Send one request and read the whole answer (decompressed when the server compressed it). A
 * request that went out on a reused keep-alive socket the server had just closed (reset before any
 * answer) is sent once more on a new socket: the server never saw it. Servers close idle sockets
 * after a few seconds, so on a busy client with many sessions (1,000 long polls, bench/scale) this
 * race is common; each loss used to fail a login or a poll.
 */
export async function directRequest(r: DirectRequest): Promise<DirectResponse> {
  const started = r.timeoutMs === undefined ? 0 : Date.now();
  try {
    return await exchange(r, r.timeoutMs);
  } catch (e) {
    if (!(e instanceof StaleSocketError)) throw e;
    return exchange(r, r.timeoutMs === undefined ? undefined : Math.max(0, r.timeoutMs - (Date.now() - started)));
  }
}

function exchange(r: DirectRequest, timeoutMs: number | undefined): Promise<DirectResponse> {
  return new Promise((resolve, reject) => {
    const { signal } = r;
    if (signal?.aborted) return reject(signal.reason);
    const payload = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    const headers = headerList(r.url, r.headers, payload?.length);
    const module = r.url.protocol === 'https:' ? https : http;
    const req = module.request(requestOptions(r.url, r.method, headers, r.agent));
    /** Why the exchange was cut short (the signal's reason, or the deadline): what the promise rejects with. */
    let cut: { why: unknown } | undefined;
    const cutShort = (why: unknown): void => {
      cut = { why };
      req.destroy(asError(why));
    };
    const onAbort = (): void => cutShort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => cutShort(new RequestTimeoutError(r.timeoutMs!)), timeoutMs);
    const settle = (): void => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    let answered = false;
    req.once('error', (e) => {
      settle();
      if (cut) return reject(cut.why);
      const stale = req.reusedSocket && !answered && (e as NodeJS.ErrnoException).code === 'ECONNRESET';
      reject(stale ? new StaleSocketError(e.message, { cause: e }) : e);
    });
    req.once('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', (e) => {
        settle();
        reject(cut ? cut.why : e);
      });
      res.once('end', () => {
        settle();
        try {
          const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: decode(raw, res.headers['content-encoding']) });
        } catch (e) {
          reject(new Error(`unreadable ${String(res.headers['content-encoding'])} body: ${(e as Error).message}`, { cause: e }));
        }
      });
    });
    req.end(payload);
  });
}

/**
 * What node:http(s) is asked for: the URL's parts as a plain options object. Handed the URL itself,
 * `request()` first converts it (urlToHttpOptions: a getter call per part into an object of ten
 * fields, href, hash and search among them), and the whole object is then copied twice more, into
 * the request's options and, with the agent's, into the socket pool's. The fields are what that
 * conversion keeps for a request: an IPv6 host without its brackets, the port only when the URL
 * names one, the path with its query as the URL serialised them.
 */
/** The host to open a socket to: a URL's hostname with an IPv6 address's brackets taken off. */
export function socketHostname(hostname: string): string {
  return hostname.charCodeAt(0) === 0x5b ? hostname.slice(1, -1) : hostname;
}

function requestOptions(url: URL, method: string, headers: string[], agent: http.Agent): http.RequestOptions {
  const { hostname, port } = url;
  return {
    protocol: url.protocol,
    hostname: socketHostname(hostname),
    port: port === '' ? undefined : Number(port),
    path: url.pathname + url.search,
    method,
    headers,
    agent,
  };
}

/**
 * The request's headers as one flat list, Host first as node:http would add it: given a list, node
 * writes the header block as it is (names and values still checked) instead of one setHeader per
 * header (a validated name, a map entry, then the block built from the map). A header of the
 * caller's replaces the default Accept-Encoding.
 */
function headerList(url: URL, own: Record<string, string>, length: number | undefined): string[] {
  const list = ['Host', url.host];
  let encoding = false;
  for (const name in own) {
    if (name.length === 15 && name.toLowerCase() === 'accept-encoding') encoding = true;
    list.push(name, own[name]!);
  }
  if (!encoding) list.push('Accept-Encoding', 'gzip, deflate, br');
  if (length !== undefined) list.push('Content-Length', String(length));
  return list;
}

export function decode(body: Buffer, encoding: string | undefined): Buffer {
  if (!encoding || body.length === 0) return body;
  switch (encoding.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(body);
    case 'deflate':
      // "deflate" is zlib-wrapped by the spec and raw by some servers: the first byte tells (RFC 1950).
      return (body[0]! & 0x0f) === 8 ? zlib.inflateSync(body) : zlib.inflateRawSync(body);
    case 'br':
      return zlib.brotliDecompressSync(body);
    default:
      return body;
  }
}
