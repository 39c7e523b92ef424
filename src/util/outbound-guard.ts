/**
 * The outbound address guard every request to a URL from outside goes through (webhook
 * deliveries, files sent by URL, plugins' `api.http`, the AI plugin): the address actually
 * connected to is checked where the socket connects, after name resolution and on every redirect
 * hop, so DNS rebinding or a redirect cannot swap it after a check. Loopback, private, link-local
 * and reserved addresses are refused unless the policy allows them: everywhere
 * (API_ALLOW_PRIVATE_URLS), or for the origins the operator configured (AI_BASE_URL,
 * ALLOW_PRIVATE_ORIGINS), or because only an admin could have set the URL.
 */
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { UrlInputError, parseHttpUrl } from './http-url.js';
import { messageOf } from './error-text.js';

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

/** Who may be reached on a private or loopback address. */
export interface OutboundPolicy {
  /** Any address (API_ALLOW_PRIVATE_URLS, or a URL only an admin can set). */
  allowPrivate: boolean;
  /** Origins (`http://127.0.0.1:11434`) that may be private: the operator's own (AI_BASE_URL, ALLOW_PRIVATE_ORIGINS). */
  trustedOrigins?: readonly string[];
}

/** Whether the policy lets this URL's origin reach private addresses. */
export function mayReachPrivate(policy: OutboundPolicy, url: URL): boolean {
  return policy.allowPrivate || (policy.trustedOrigins ?? []).includes(url.origin);
}

/**
 * Check a URL's form (one parser for all) and, for literal IPs and localhost, its address before
 * any network use. `allowPrivate` may be a policy, decided for this URL's origin.
 */
export function checkUrl(raw: string, allow: boolean | OutboundPolicy = false): URL {
  let url: URL;
  try {
    url = parseHttpUrl(raw);
  } catch (e) {
    throw new FetchRefusedError(messageOf(e), 400);
  }
  const allowPrivate = typeof allow === 'boolean' ? allow : mayReachPrivate(allow, url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) && isPrivateAddress(host)) {
    throw new FetchRefusedError(`${host} is a private or loopback address; refused.`);
  }
  if (!allowPrivate && /^localhost\.?$|\.localhost\.?$/i.test(host)) throw new FetchRefusedError('localhost is refused.');
  return url;
}

/**
 * Resolve a host name and refuse it when any address is private (used when an endpoint URL is
 * registered through the API). Returns the normal form of the URL.
 */
export async function checkHostResolvesPublic(raw: string, policy: OutboundPolicy = { allowPrivate: false }): Promise<string> {
  const url = checkUrl(raw, policy);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) || mayReachPrivate(policy, url)) return url.href;
  await new Promise<void>((resolve, reject) => {
    guardedLookup(false)(host, { all: true }, (err) => (err ? reject(toRefusal(err)) : resolve()));
  });
  return url.href;
}

export function toRefusal(err: Error): FetchRefusedError {
  if (err instanceof FetchRefusedError) return err;
  if (err instanceof UrlInputError) return new FetchRefusedError(err.message, 400);
  return new FetchRefusedError(`Cannot fetch the URL: ${err.message}`, 422);
}

type Connect = (options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void) => Duplex | null | undefined;

/** Put the guard into an agent's `createConnection`: the one place every socket of the agent is made. */
function guard<A extends http.Agent>(agent: A, scheme: 'http:' | 'https:', policy: OutboundPolicy): A {
  const connect = (agent.createConnection as Connect).bind(agent);
  (agent as { createConnection: Connect }).createConnection = (options, callback) => {
    const host = String(options.host ?? options.hostname ?? 'localhost').replace(/^\[|\]$/g, '');
    const port = options.port ?? (scheme === 'https:' ? 443 : 80);
    let allowed: boolean;
    try {
      allowed = mayReachPrivate(policy, new URL(`${scheme}//${isIP(host) === 6 ? `[${host}]` : host}:${port}`));
    } catch {
      allowed = false;
    }
    if (!allowed && isIP(host) && isPrivateAddress(host)) {
      // net.connect does not look literal addresses up, so they are judged here.
      const refusal = Object.assign(new FetchRefusedError(`${host} is a private or loopback address; refused.`), { code: 'EPRIVATE' });
      process.nextTick(() => callback?.(refusal, undefined as unknown as Duplex));
      return undefined;
    }
    return connect({ ...options, lookup: guardedLookup(allowed) }, callback);
  };
  return agent;
}

/**
 * An http and an https agent that refuse private addresses (unless the policy allows them) on every
 * connection they make, redirects included.
 *
 * @example
 *   const agents = guardedAgents({ allowPrivate: false, trustedOrigins: ['http://127.0.0.1:11434'] });
 *   axios.create({ httpAgent: agents.http, httpsAgent: agents.https, proxy: false });
 */
export function guardedAgents(policy: OutboundPolicy): { http: http.Agent; https: https.Agent } {
  return { http: guard(new http.Agent(), 'http:', policy), https: guard(new https.Agent(), 'https:', policy) };
}
