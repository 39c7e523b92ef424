/**
 * Fetch a URL given by a user (a file to send, a webhook's reply image), or POST to one (a
 * webhook endpoint), through the outbound guard (src/util/outbound-guard.ts): every connection
 * is checked where the socket connects, redirects are followed by hand and checked again, and the
 * size is capped.
 */
import http from 'node:http';
import https from 'node:https';
import { FetchRefusedError, checkUrl, guardedAgents, toRefusal } from '../util/outbound-guard.js';

export interface FetchedFile {
  data: Buffer;
  contentType?: string;
  /** From Content-Disposition or the last path segment. */
  fileName: string;
  finalUrl: string;
}

export interface SafeFetchOptions {
  allowPrivate?: boolean;
  /** Default 25 MiB. */
  maxBytes?: number;
  /** Default 20 s for the whole fetch. */
  timeoutMs?: number;
  maxRedirects?: number;
  signal?: AbortSignal;
}

/**
 * Download a URL with the address guard, following up to `maxRedirects` redirects.
 *
 * @example
 *   const file = await safeFetch('https://example.com/cat.png', { allowPrivate: config.apiAllowPrivateUrls });
 */
export async function safeFetch(raw: string, options: SafeFetchOptions = {}): Promise<FetchedFile> {
  const allowPrivate = options.allowPrivate ?? false;
  const maxBytes = options.maxBytes ?? 25 * 1024 * 1024;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 20_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let url = checkUrl(raw, allowPrivate);
  for (let hop = 0; hop <= (options.maxRedirects ?? 3); hop++) {
    const res = await request(url, allowPrivate, signal);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      url = checkUrl(new URL(res.headers.location, url).toString(), allowPrivate);
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw new FetchRefusedError(`Fetching the URL answered HTTP ${status}.`, 422);
    }
    const declared = Number(res.headers['content-length'] ?? NaN);
    if (declared > maxBytes) {
      res.destroy();
      throw new FetchRefusedError(`The file is larger than ${maxBytes} bytes.`, 413);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) {
          res.destroy();
          throw new FetchRefusedError(`The file is larger than ${maxBytes} bytes.`, 413);
        }
        chunks.push(chunk);
      }
    } catch (e) {
      throw e instanceof FetchRefusedError ? e : toRefusal(e as Error);
    }
    const type = res.headers['content-type']?.split(';')[0]?.trim();
    return {
      data: Buffer.concat(chunks),
      ...(type && { contentType: type }),
      fileName: fileNameOf(res.headers['content-disposition'], url),
      finalUrl: url.toString(),
    };
  }
  throw new FetchRefusedError('Too many redirects.', 422);
}

function request(url: URL, allowPrivate: boolean, signal: AbortSignal): Promise<http.IncomingMessage> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const agent = guardedAgents({ allowPrivate })[url.protocol === 'https:' ? 'https' : 'http'];
    const req = lib.get(url, { agent, signal, headers: { 'user-agent': 'weiroto' } }, resolve);
    req.on('error', (e) => reject(toRefusal(e)));
  });
}

function fileNameOf(disposition: string | undefined, url: URL): string {
  const m = disposition ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition) : null;
  const fromHeader = m?.[1] ? safeDecode(m[1]) : undefined;
  const fromPath = safeDecode(url.pathname.split('/').filter(Boolean).pop() ?? '');
  return (fromHeader || fromPath || 'file').replace(/[/\\\0]/g, '_').slice(0, 200);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface GuardedPost {
  headers: Record<string, string>;
  body: string | Buffer;
  allowPrivate: boolean;
  signal: AbortSignal;
  /** Answer bytes read at most (the rest is dropped). */
  maxBytes: number;
}

/**
 * POST a body to a URL without following redirects and read the start of the answer. Unless
 * `allowPrivate`, a private or loopback address is refused on every connection, so a name that
 * resolved outward when it was registered and inward now is still refused.
 */
export function guardedPost(raw: string, o: GuardedPost): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const url = checkUrl(raw, o.allowPrivate);
  const lib = url.protocol === 'https:' ? https : http;
  const body = typeof o.body === 'string' ? Buffer.from(o.body) : o.body;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method: 'POST',
        agent: guardedAgents({ allowPrivate: o.allowPrivate })[url.protocol === 'https:' ? 'https' : 'http'],
        signal: o.signal,
        headers: { ...o.headers, 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = (): void =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).subarray(0, o.maxBytes).toString('utf8') });
        res.on('data', (c: Buffer) => {
          if (size >= o.maxBytes) return;
          chunks.push(c);
          size += c.length;
          if (size >= o.maxBytes) {
            // Enough read: the status is what counts, the rest is not waited for.
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
