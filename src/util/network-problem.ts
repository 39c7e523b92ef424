/**
 * What kind of network failure an error is, so the panel can say it in plain words ("this machine
 * cannot look up login.wx.qq.com") instead of showing `getaddrinfo ENOTFOUND`. Reads the Node error
 * codes along the `cause` chain (node:http puts them on the error, fetch on its cause).
 */

export type NetworkProblemKind = 'dns' | 'proxy' | 'tls' | 'refused' | 'timeout' | 'network';

export interface NetworkProblem {
  kind: NetworkProblemKind;
  /** The host (and port) that could not be reached, when the error names it. */
  host?: string;
  /** The system code (ENOTFOUND, ECONNREFUSED, CERT_HAS_EXPIRED …), when there is one. */
  code?: string;
}

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const REFUSED = new Set(['ECONNREFUSED']);
const TIMEOUT = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'ABORT_ERR', 'ECONNABORTED']);
const NETWORK = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const TLS = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH|ERR_CERT)/;

interface Coded {
  code?: unknown;
  hostname?: unknown;
  host?: unknown;
  address?: unknown;
  port?: unknown;
  message?: unknown;
  cause?: unknown;
}

/**
 * The problem behind `err`, or undefined when it is not a network failure (WeChat answered).
 * `proxySet`: HTTPS_PROXY or HTTP_PROXY is set in the environment; weiroto connects directly, so a
 * network that only lets a proxy out shows up as DNS failures, timeouts or refusals.
 *
 * @example
 *   classifyNetworkError(new Error('x', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND a.b'), { code: 'ENOTFOUND', hostname: 'a.b' }) }));
 *   // → { kind: 'dns', host: 'a.b', code: 'ENOTFOUND' }
 */
export function classifyNetworkError(err: unknown, options: { proxySet?: boolean } = {}): NetworkProblem | undefined {
  let host: string | undefined;
  let found: { kind: NetworkProblemKind; code?: string } | undefined;
  for (let e = err as Coded | undefined, depth = 0; e && typeof e === 'object' && depth < 6; e = e.cause as Coded | undefined, depth++) {
    host ??= hostOf(e);
    const code = typeof e.code === 'string' ? e.code : undefined;
    const message = typeof e.message === 'string' ? e.message : '';
    const kind = code ? kindOfCode(code) : undefined;
    if (kind) {
      found = { kind, ...(code && { code }) };
      break;
    }
    if (/HTTP 407\b|proxy authentication/i.test(message)) found = { kind: 'proxy' };
    else if (!found && /timed? ?out/i.test(message)) found = { kind: 'timeout' };
    else if (!found && /\b(certificate|self[- ]signed|TLS|SSL)\b/i.test(message)) found = { kind: 'tls' };
    else if (!found && /getaddrinfo|ENOTFOUND|EAI_AGAIN/.test(message)) found = { kind: 'dns' };
    else if (!found && /ECONNREFUSED/.test(message)) found = { kind: 'refused' };
  }
  if (!found) return undefined;
  const kind = options.proxySet && found.kind !== 'tls' ? 'proxy' : found.kind;
  return { kind, ...(host && { host }), ...(found.code && { code: found.code }) };
}

function kindOfCode(code: string): NetworkProblemKind | undefined {
  if (DNS.has(code)) return 'dns';
  if (REFUSED.has(code)) return 'refused';
  if (TIMEOUT.has(code)) return 'timeout';
  if (TLS.test(code)) return 'tls';
  if (NETWORK.has(code)) return 'network';
  return undefined;
}

function hostOf(e: Coded): string | undefined {
  if (typeof e.hostname === 'string' && e.hostname) return e.hostname;
  if (typeof e.address === 'string' && e.address) return typeof e.port === 'number' ? `${e.address}:${e.port}` : e.address;
  const m = /(?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT)\s+(\S+)/.exec(typeof e.message === 'string' ? e.message : '');
  return m?.[1];
}
