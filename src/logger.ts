/**
 * Logging with pino: JSON lines in production, readable lines when stdout is a terminal. Secrets
 * (skey, sid, pass_ticket, cookies, tokens, passwords) are removed from every line by key, and a
 * last-chance serializer scrubs them out of strings such as URLs and error messages.
 */
import { createRequire } from 'node:module';
import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';
import type PinoPretty from 'pino-pretty';
import { messageOf } from './util/error-text.js';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line, at any depth we know of. */
const SECRET_KEYS = [
  'skey',
  'Skey',
  'SKey',
  'sid',
  'Sid',
  'wxsid',
  'pass_ticket',
  'passTicket',
  'uin',
  'Uin',
  'wxuin',
  'cookie',
  'cookies',
  'Cookie',
  'set-cookie',
  'authorization',
  'Authorization',
  'token',
  'access_token',
  'apiKey',
  'api_key',
  'password',
  'secret',
  'secretKey',
  'webhookSecret',
  'webwx_data_ticket',
  'webwx_auth_ticket',
  'dataTicket',
  'authTicket',
  'BaseRequest',
  'session',
  'ticket',
];

const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

/** Query parameters and cookie names whose values are scrubbed out of free text. */
const SECRET_IN_TEXT =
  /\b(skey|sid|wxsid|pass_ticket|uin|wxuin|webwx_data_ticket|webwx_auth_ticket|webwxuvid|ticket|token|access_token|password|secret)=([^&\s;"']+)/gi;

/** Replace secret values inside a string (URLs, cookie headers, error messages). */
export function scrubSecrets(text: string): string {
  return text
    .replace(SECRET_IN_TEXT, '$1=[redacted]')
    .replace(/@crypt_[0-9a-f_]+/gi, '@crypt_[redacted]')
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1[redacted]');
}

function scrubError(err: unknown): unknown {
  const plain = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  for (const k of ['message', 'stack']) {
    const v = plain[k];
    if (typeof v === 'string') plain[k] = scrubSecrets(v);
  }
  // axios errors carry the request config (headers, cookies); keep only what helps.
  for (const k of ['config', 'request', 'response']) delete plain[k];
  return plain;
}

export interface LoggerSetup {
  level?: string;
  /** Force pretty (true) or JSON (false); default: pretty when stdout is a TTY and not in production. */
  pretty?: boolean;
  /** Where lines go (tests pass a stream to read them back). */
  destination?: DestinationStream;
}

/**
 * The process root logger. Use `log.child({ account })` and `log.child({ plugin })` below it.
 *
 * @example
 *   const log = createLogger({ level: config.logLevel });
 *   log.child({ ns: 'protocol:sync', account: 'a1' }).info('synced');
 */
export function createLogger(setup: LoggerSetup = {}): Logger {
  const options: LoggerOptions = {
    level: setup.level ?? 'info',
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: scrubError, error: scrubError },
    hooks: {
      // Scrub the message text itself (a URL with skey= interpolated into a message).
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)) as typeof args;
        method.apply(this, scrubbed);
      },
    },
  };
  if (setup.destination) return pino(options, setup.destination);
  const pretty = setup.pretty ?? (process.stdout.isTTY === true && process.env.NODE_ENV !== 'production');
  if (pretty) {
    // In this thread, loaded only here: pino's `transport` option would start a worker thread (its
    // own V8 heap, about 10 MiB of RSS) to format lines for a human at a terminal.
    const prettyStream = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
    return pino(options, prettyStream({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true }));
  }
  return pino(options);
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * A failure that will be retried, as one warn line: the error's message (and its cause's, e.g.
 * `getaddrinfo ENOTFOUND login.wx.qq.com`) without the stack; the stack follows at debug level.
 * A loop that fails every few seconds must not fill the log with 25-line traces.
 *
 * @example
 *   logFailure(log, err, { failures, delayMs }, 'login failed; retrying');
 */
export function logFailure(log: Logger, err: unknown, fields: Record<string, unknown>, msg: string): void {
  log.warn({ ...fields, reason: failureText(err) }, msg);
  if (log.isLevelEnabled('debug')) log.debug({ err }, `${msg} (stack)`);
}

/** An error's message followed by its causes' messages (deduplicated), on one line. */
export function failureText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const m = messageOf(e);
    if (m && !parts.some((p) => p.includes(m))) parts.push(m);
    e = e instanceof Error ? e.cause : undefined;
  }
  return scrubSecrets(parts.join(': ') || 'unknown error');
}
