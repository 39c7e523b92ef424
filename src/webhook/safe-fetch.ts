/**
 * Fetch a URL given by a user (a file to send, a webhook's reply image), or POST to one (a
 * webhook registered through the API), without letting it reach this machine or its private
 * network: every address the host name resolves to is checked right
 * where the socket connects (so DNS rebinding cannot swap it after the check), redirects are
 * followed by hand and checked again, and the size is capped.
 */
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';

/** Why a fetch was refused or failed; `status` is the HTTP status the API answers with. */
export class FetchRefusedError extends Error {
  override readonly name = 'FetchRefusedError';
  constructor(
    message: string,
    readonly status: 400 | 413 | 422 | 502 = 422,
  ) {
    super(message);
  }
}

function privateRanges(): BlockList {
  const b = new BlockList();
  for (const [net, bits] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const)
    b.addSubnet(net, bits, 'ipv4');
  for (const [net, bits] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
    ['2001:db8::', 32],
    ['100::', 64],
  ] as const)
    b.addSubnet(net, bits, 'ipv6');
  return b;
}

const PRIVATE = privateRanges();

/**
 * Whether an IP address is loopback, private, link-local, multicast, reserved or unspecified
 * (IPv4-mapped and NAT64 IPv6 addresses are judged by the IPv4 address inside).
 *
 * @example
 *   isPrivateAddress('127.0.0.1'); // true
 *   isPrivateAddress('93.184.216.34'); // false
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse
  const lower = address.toLowerCase();
  const mapped = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hexMapped) {
    const hi = parseInt(hexMapped[1]!, 16);
    const lo = parseInt(hexMapped[2]!, 16);
    return PRIVATE.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
  }
  return PRIVATE.check(address, 'ipv6');
}

type Resolver = (
  hostname: string,
  options: { all: true },
  callback: (err: NodeJS.ErrnoException | null, addresses: { address: string; family: number }[]) => void,
) => void;

/** A `lookup` for http(s).request that refuses private addresses after resolution. `resolve` is dns.lookup but in tests. */
export function guardedLookup(allowPrivate: boolean, resolve: Resolver = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses;
      const bad = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (bad) {
        return callback(
          Object.assign(new FetchRefusedError(`${hostname} resolves to a private or loopback address (${bad.address}); refused.`), {
            code: 'EPRIVATE',
          }),
          '',
          4,
        );
      }
      if (options.all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
      callback(null, first.address, first.family);
    });
  };
}

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

/** Check a URL's form and (for literal IPs) its address before any network use. */
export function checkUrl(raw: string, allowPrivate = false): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchRefusedError(`Not a valid URL: ${raw.slice(0, 200)}`, 400);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchRefusedError('Only http:// and https:// URLs are allowed.', 400);
  if (url.username || url.password) throw new FetchRefusedError('URLs with credentials are not allowed.', 400);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) && isPrivateAddress(host)) {
    throw new FetchRefusedError(`${host} is a private or loopback address; refused.`);
  }
  if (!allowPrivate && /^localhost\.?$|\.localhost\.?$/i.test(host)) throw new FetchRefusedError('localhost is refused.');
  return url;
}

/**
 * Resolve a host name and refuse it when any address is private (used when an endpoint URL is
 * registered through the API).
 */
export async function checkHostResolvesPublic(raw: string): Promise<void> {
  const url = checkUrl(raw, false);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return;
  await new Promise<void>((resolve, reject) => {
    guardedLookup(false)(host, { all: true }, (err) => (err ? reject(toRefusal(err)) : resolve()));
  });
}

function toRefusal(err: Error): FetchRefusedError {
  if (err instanceof FetchRefusedError) return err;
  return new FetchRefusedError(`Cannot fetch the URL: ${err.message}`, 422);
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
    const req = lib.get(url, { lookup: guardedLookup(allowPrivate), signal, headers: { 'user-agent': 'weiroto' } }, resolve);
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
      { method: 'POST', lookup: guardedLookup(o.allowPrivate), signal: o.signal, headers: { ...o.headers, 'content-length': String(body.length) } },
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
