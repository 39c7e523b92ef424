/**
 * One HTTP exchange on node:http(s), bodies as bytes: the engine of both clients' small requests
 * (web: login, synccheck, webwxsync, sends, contacts…; iLink: getupdates, sendmessage…), which
 * run once or more per message or long poll. axios, which carries web media transfers
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
  signal: AbortSignal;
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
  try {
    return await exchange(r);
  } catch (e) {
    if (!(e instanceof StaleSocketError)) throw e;
    return exchange(r);
  }
}

function exchange(r: DirectRequest): Promise<DirectResponse> {
  return new Promise((resolve, reject) => {
    if (r.signal.aborted) return reject(r.signal.reason);
    const payload = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    const headers: http.OutgoingHttpHeaders = { 'Accept-Encoding': 'gzip, deflate, br', ...r.headers };
    if (payload) headers['Content-Length'] = payload.length;
    const module = r.url.protocol === 'https:' ? https : http;
    const req = module.request(r.url, { method: r.method, headers, agent: r.agent });
    const onAbort = (): void => void req.destroy(asError(r.signal.reason));
    r.signal.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => r.signal.removeEventListener('abort', onAbort);
    let answered = false;
    req.once('error', (e) => {
      settle();
      if (r.signal.aborted) return reject(r.signal.reason);
      const stale = req.reusedSocket && !answered && (e as NodeJS.ErrnoException).code === 'ECONNRESET';
      reject(stale ? new StaleSocketError(e.message, { cause: e }) : e);
    });
    req.once('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', (e) => {
        settle();
        reject(r.signal.aborted ? r.signal.reason : e);
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

function decode(body: Buffer, encoding: string | undefined): Buffer {
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
