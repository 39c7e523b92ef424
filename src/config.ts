/**
 * The only reader of the environment (and of `.env`). Every setting is validated with zod once at
 * start; a bad value stops the start with one line naming the variable, the value and what is
 * expected. Everything else receives a typed `Config`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hostname } from 'node:os';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { normaliseHttpUrl } from './util/http-url.js';
import { ILINK_DEFAULT_BASE_URL, ILINK_DEFAULT_CDN_URL } from './ilink/endpoints.js';

// 0 asks the system for a free port (tests, several instances on one machine).
const PORT_EXPECTED = 'a port number from 0 to 65535 (0 picks a free port)';
// Digits only: Number() would also take "1e3", "0x10AB" and " 4211", which are typos, not ports.
const port = z
  .string()
  .regex(/^\d{1,5}$/, PORT_EXPECTED)
  .transform(Number)
  .refine((n) => n <= 65535, PORT_EXPECTED);

const RATE_EXPECTED = 'a whole number from 1 to 100000';
const rate = z.coerce.number({ message: RATE_EXPECTED }).int(RATE_EXPECTED).min(1, RATE_EXPECTED).max(100_000, RATE_EXPECTED);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const httpOrigin = optionalString.refine(
  (v) => v === undefined || /^https?:\/\/[^/?#\s]+\/?$/.test(v),
  'an origin such as http://127.0.0.1:5701 (scheme, host and port, no path)',
);

// The same parser every incoming URL goes through; the value comes out in its normal form.
const httpUrl = optionalString.transform((v, ctx) => {
  if (v === undefined) return undefined;
  try {
    return normaliseHttpUrl(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'an http:// or https:// URL' });
    return z.NEVER;
  }
});

// Origins (scheme, host, port) that may be on private addresses: local model servers and the like.
const originList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const list: string[] = [];
    for (const item of (v ?? '').split(',').map((x) => x.trim())) {
      if (!item) continue;
      try {
        const u = new URL(normaliseHttpUrl(item));
        if (u.pathname !== '/' || u.search || u.hash) throw new Error('not an origin');
        list.push(u.origin);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'comma-separated origins such as http://127.0.0.1:11434 (scheme, host and port, no path)' });
        return z.NEVER;
      }
    }
    return list;
  });

const booleanFlag = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return false;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    ctx.addIssue({ code: 'custom', message: 'true or false' });
    return z.NEVER;
  });

/** The schema, one entry per variable; `.env.example` documents the same list. */
export const configSchema = z.object({
  HOST: z.string().min(1, 'a host name or IP address').default('127.0.0.1'),
  PORT: port.default(3000),
  TRUST_PROXY: booleanFlag,
  DATA_DIR: z.string().min(1, 'a directory path').default('./data'),
  SECRET_KEY: optionalString.refine(
    (v) => v === undefined || /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, 'base64').length === 32,
    '64 hex characters or 32 bytes in base64',
  ),
  ADMIN_PASSWORD: optionalString.refine((v) => v === undefined || v.length >= 8, 'at least 8 characters'),
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\/./.test(v), 'a postgres:// connection string'),
  REDIS_URL: optionalString.refine((v) => v === undefined || /^rediss?:\/\/./.test(v), 'a redis:// (or rediss://) URL'),
  LEASE_TTL_MS: z.coerce
    .number({ message: 'milliseconds (1000 to 600000)' })
    .int('whole milliseconds')
    .min(1000, 'at least 1000 ms')
    .max(600_000, 'at most 600000 ms')
    .default(15_000),
  JOIN_WAIT_MS: z.coerce
    .number({ message: 'milliseconds (0 to 600000)' })
    .int('whole milliseconds')
    .min(0, 'at least 0 ms')
    .max(600_000, 'at most 600000 ms')
    .default(10_000),
  NODE_ID: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9._-]{1,64}$/.test(v), 'letters, digits, ".", "_" or "-" (at most 64)'),
  WECHAT_ENDPOINT: httpOrigin,
  WECHAT_DESKTOP: booleanFlag,
  WECHAT_TRANSPORT: z.enum(['web', 'ilink'], { message: '"web" or "ilink"' }).default('web'),
  ILINK_BASE_URL: httpOrigin,
  ILINK_CDN_URL: httpUrl,
  ILINK_ERROR_PAUSE_MS: z.coerce
    .number({ message: 'milliseconds (0 to 60000)' })
    .int('whole milliseconds')
    .min(0, 'at least 0 ms')
    .max(60_000, 'at most 60000 ms')
    .default(2_000),
  BOT_PLUGINS: z
    .string()
    .default('auto-reply')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine((list) => list.every((n) => /^[a-z0-9][a-z0-9-]*$/.test(n)), 'comma-separated plugin names in kebab-case'),
  PLUGIN_DIR: optionalString,
  SEND_PACING: z.enum(['safe', 'off'], { message: '"safe" or "off"' }).default('safe'),
  CHAT_CONCURRENCY: z.coerce
    .number({ message: 'a whole number from 1 to 256' })
    .int('a whole number from 1 to 256')
    .min(1, 'a whole number from 1 to 256')
    .max(256, 'a whole number from 1 to 256')
    .default(8),
  LOGIN_RETRY_MAX_SECONDS: z.coerce
    .number({ message: 'a whole number of seconds from 5 to 86400' })
    .int('a whole number of seconds from 5 to 86400')
    .min(5, 'a whole number of seconds from 5 to 86400')
    .max(86_400, 'a whole number of seconds from 5 to 86400')
    .default(300),
  RELOGIN_DELAY_MS: z.coerce
    .number({ message: 'milliseconds (100 to 600000)' })
    .int('whole milliseconds')
    .min(100, 'at least 100 ms')
    .max(600_000, 'at most 600000 ms')
    .default(5_000),
  OUTBOX_HOLD_HOURS: z.coerce
    .number({ message: 'a number of hours from 1 to 720' })
    .min(1, 'a number of hours from 1 to 720')
    .max(720, 'a number of hours from 1 to 720')
    .default(48),
  LOGIN_CONCURRENCY: z.coerce
    .number({ message: 'a whole number from 1 to 1000' })
    .int('a whole number from 1 to 1000')
    .min(1, 'a whole number from 1 to 1000')
    .max(1000, 'a whole number from 1 to 1000')
    .default(10),
  WEBHOOK_URL: httpUrl,
  WEBHOOK_SECRET: optionalString.refine((v) => v === undefined || v.length >= 16, 'at least 16 characters'),
  API_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, 'at least 16 characters'),
  API_ALLOW_PRIVATE_URLS: booleanFlag,
  ALLOW_PRIVATE_ORIGINS: originList,
  API_RATE_BURST: rate.default(60),
  API_RATE_PER_SEC: rate.default(10),
  PUBLIC_URL: httpUrl,
  SANDBOX_HOST: z.string().min(1, 'a host name or IP address').default('127.0.0.1'),
  SANDBOX_PORT: port.default(5701),
  METRICS_HOST: z.string().min(1, 'a host name or IP address').default('127.0.0.1'),
  METRICS_PORT: port.optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  AI_BASE_URL: httpUrl,
  AI_API_KEY: optionalString,
  AI_MODEL: optionalString,
});

/**
 * The wechatbot-webhook compatibility listener (off unless COMPAT_WECHATBOT_WEBHOOK_PORT is set).
 * The original's own names are read only when it is on, so its compose files move over unchanged
 * and nothing changes for anyone else. Like the original, only the exact value `true` switches
 * ACCEPT_RECVD_MSG_MYSELF and DISABLE_AUTO_LOGIN on, and a RECVD_MSG_API that does not start with
 * http is reported and ignored (checked where the callback is set up).
 */
export const compatSchema = z.object({
  COMPAT_WECHATBOT_WEBHOOK_PORT: port,
  COMPAT_WECHATBOT_WEBHOOK_ACCOUNT: optionalString,
  COMPAT_WECHATBOT_WEBHOOK_LEGACY_SOURCE: booleanFlag,
  LOGIN_API_TOKEN: optionalString,
  LOCAL_LOGIN_API_TOKEN: optionalString,
  RECVD_MSG_API: optionalString,
  LOCAL_RECVD_MSG_API: optionalString,
  ACCEPT_RECVD_MSG_MYSELF: z.string().optional(),
  DISABLE_AUTO_LOGIN: z.string().optional(),
});

export interface CompatConfig {
  port: number;
  /** An account id or name; undefined = the first account. */
  account: string | undefined;
  /** LOGIN_API_TOKEN, else LOCAL_LOGIN_API_TOKEN. */
  token: string | undefined;
  /** RECVD_MSG_API, else LOCAL_RECVD_MSG_API (as given). */
  callbackUrl: string | undefined;
  acceptSelf: boolean;
  disableAutoLogin: boolean;
  /** `""` for an absent `source` side, as before wechatbot-webhook 2.8. */
  legacySource: boolean;
}

type Parsed = z.infer<typeof configSchema>;

export interface Config {
  host: string;
  port: number;
  /** One reverse proxy in front: take the client address and scheme from X-Forwarded-For / -Proto. */
  trustProxy: boolean;
  dataDir: string;
  secretKey: string | undefined;
  /** DATABASE_URL: the store on PostgreSQL instead of SQLite in DATA_DIR. */
  databaseUrl: string | undefined;
  /**
   * REDIS_URL: account leases over several nodes (needs DATABASE_URL); NODE_ID names this node, LEASE_TTL_MS is a lease's life,
   * JOIN_WAIT_MS how long nodes starting together wait for each other before one takes another's share.
   */
  cluster: { redisUrl: string; nodeId: string; leaseTtlMs: number; joinWaitMs: number } | undefined;
  adminPassword: string | undefined;
  wechatEndpoint: string | undefined;
  /** WECHAT_DESKTOP: web logins in desktop (UOS) mode. */
  wechatDesktop: boolean;
  /** WECHAT_TRANSPORT: the transport of the first account `weiroto start` creates. */
  wechatTransport: 'web' | 'ilink';
  /** ILINK_BASE_URL / ILINK_CDN_URL (the CDN defaults to `<ILINK_BASE_URL>/c2c` when only the base is moved). */
  ilink: { baseUrl: string; cdnUrl: string };
  /** ILINK_ERROR_PAUSE_MS: an iLink account's pause after a failed getupdates, before the next (the long pause after three in a row stays). */
  ilinkErrorPauseMs: number;
  botPlugins: string[];
  /** BOT_PLUGINS was given (environment or .env) rather than left at its default. */
  botPluginsSet: boolean;
  pluginDir: string | undefined;
  sendPacing: 'safe' | 'off';
  /** Chats of one account handled at the same time; each chat stays in order. */
  chatConcurrency: number;
  /** The longest pause between two attempts of a failing login (5 s, 10 s, 20 s … up to this). */
  loginRetryMaxMs: number;
  /** RELOGIN_DELAY_MS: the pause before a new login after a logout we did not ask for, and before a failed login's first retry. */
  reloginDelayMs: number;
  /** HTTPS_PROXY / HTTP_PROXY / ALL_PROXY is set (weiroto connects directly; failures are explained as a proxy problem). */
  proxySet: boolean;
  /** OUTBOX_HOLD_HOURS: a message waiting for the user (iLink reply window or quota) fails after this long. */
  outboxHoldMs: number;
  /** Accounts brought up at the same time when the server starts (restore, push login, first QR). */
  loginConcurrency: number;
  webhookUrl: string | undefined;
  webhookSecret: string | undefined;
  apiToken: string | undefined;
  apiAllowPrivateUrls: boolean;
  /** ALLOW_PRIVATE_ORIGINS: origins on private addresses that plugins (the AI) may call, besides AI_BASE_URL's. */
  allowPrivateOrigins: string[];
  /** Per-token request budget of the HTTP API: a bucket of `burst` refilled at `perSec`. */
  apiRateLimit: { burst: number; perSec: number };
  publicUrl: string | undefined;
  sandboxHost: string;
  sandboxPort: number;
  /** A separate bind serving /metrics without a token (unset: /metrics only on the main port, with a token). */
  metrics: { host: string; port: number | undefined };
  logLevel: Parsed['LOG_LEVEL'];
  ai: { baseUrl: string | undefined; apiKey: string | undefined; model: string | undefined };
  /** Set when COMPAT_WECHATBOT_WEBHOOK_PORT is. */
  compat?: CompatConfig;
}

/** A configuration problem, already phrased as the one line to print. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const SECRET_NAMES = /SECRET|PASSWORD|TOKEN|KEY|DATABASE_URL|REDIS_URL/;

/**
 * Validate the environment. `.env` in `cwd` fills variables the environment does not set.
 *
 * @example
 *   const config = loadConfig(process.env);          // throws ConfigError on a bad value
 *   const test = loadConfig({ PORT: '0', DATA_DIR: tmp }, { envFile: false });
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: { envFile?: string | false; cwd?: string } = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const fileVars = readEnvFile(options.envFile === false ? undefined : (options.envFile ?? resolve(cwd, '.env')));
  const merged: Record<string, string | undefined> = { ...fileVars };
  const compatOn = (env.COMPAT_WECHATBOT_WEBHOOK_PORT ?? fileVars.COMPAT_WECHATBOT_WEBHOOK_PORT ?? '').trim() !== '';
  const keys = [...Object.keys(configSchema.shape), ...(compatOn ? Object.keys(compatSchema.shape) : [])];
  for (const key of keys) if (env[key] !== undefined) merged[key] = env[key];

  const result = configSchema.and(compatOn ? compatSchema : z.object({})).safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? 'configuration');
    const raw = merged[name];
    const shown = raw === undefined ? '(unset)' : SECRET_NAMES.test(name) ? '(hidden)' : JSON.stringify(raw);
    throw new ConfigError(`Invalid ${name}=${shown}: expected ${issue.message}.`);
  }
  const c = result.data;
  // Every node of a PostgreSQL store must open what the others sealed: the key cannot be one generated on a node's disk.
  if (c.DATABASE_URL && !c.SECRET_KEY) throw new ConfigError('DATABASE_URL needs SECRET_KEY: set the same 64 hex characters on every node.');
  // Nodes of a cluster share their accounts' rows: each node's own SQLite file cannot be that.
  if (c.REDIS_URL && !c.DATABASE_URL) throw new ConfigError('REDIS_URL needs DATABASE_URL: the nodes of a cluster share one PostgreSQL database.');
  return {
    host: c.HOST,
    port: c.PORT,
    trustProxy: c.TRUST_PROXY,
    dataDir: resolve(cwd, c.DATA_DIR),
    secretKey: c.SECRET_KEY,
    databaseUrl: c.DATABASE_URL,
    cluster: c.REDIS_URL
      ? { redisUrl: c.REDIS_URL, nodeId: c.NODE_ID ?? `${hostname()}-${process.pid}`, leaseTtlMs: c.LEASE_TTL_MS, joinWaitMs: c.JOIN_WAIT_MS }
      : undefined,
    adminPassword: c.ADMIN_PASSWORD,
    wechatEndpoint: c.WECHAT_ENDPOINT?.replace(/\/$/, ''),
    wechatDesktop: c.WECHAT_DESKTOP,
    wechatTransport: c.WECHAT_TRANSPORT,
    ilink: ilinkUrls(c.ILINK_BASE_URL, c.ILINK_CDN_URL),
    ilinkErrorPauseMs: c.ILINK_ERROR_PAUSE_MS,
    botPlugins: c.BOT_PLUGINS,
    botPluginsSet: merged.BOT_PLUGINS !== undefined,
    pluginDir: c.PLUGIN_DIR ? resolve(cwd, c.PLUGIN_DIR) : undefined,
    sendPacing: c.SEND_PACING,
    chatConcurrency: c.CHAT_CONCURRENCY,
    loginRetryMaxMs: c.LOGIN_RETRY_MAX_SECONDS * 1000,
    reloginDelayMs: c.RELOGIN_DELAY_MS,
    proxySet: ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'].some((k) => (env[k] ?? '').trim() !== ''),
    outboxHoldMs: c.OUTBOX_HOLD_HOURS * 3_600_000,
    loginConcurrency: c.LOGIN_CONCURRENCY,
    webhookUrl: c.WEBHOOK_URL,
    webhookSecret: c.WEBHOOK_SECRET,
    apiToken: c.API_TOKEN,
    apiAllowPrivateUrls: c.API_ALLOW_PRIVATE_URLS,
    allowPrivateOrigins: c.ALLOW_PRIVATE_ORIGINS,
    apiRateLimit: { burst: c.API_RATE_BURST, perSec: c.API_RATE_PER_SEC },
    publicUrl: c.PUBLIC_URL?.replace(/\/$/, ''),
    sandboxHost: c.SANDBOX_HOST,
    sandboxPort: c.SANDBOX_PORT,
    metrics: { host: c.METRICS_HOST, port: c.METRICS_PORT },
    logLevel: c.LOG_LEVEL,
    ai: { baseUrl: c.AI_BASE_URL, apiKey: c.AI_API_KEY, model: c.AI_MODEL },
    ...(compatOn && { compat: compatConfig(compatSchema.parse(merged)) }),
  };
}

function ilinkUrls(base: string | undefined, cdn: string | undefined): Config['ilink'] {
  const baseUrl = base?.replace(/\/$/, '') ?? ILINK_DEFAULT_BASE_URL;
  return { baseUrl, cdnUrl: cdn?.replace(/\/$/, '') ?? (base ? `${baseUrl}/c2c` : ILINK_DEFAULT_CDN_URL) };
}

function compatConfig(c: z.infer<typeof compatSchema>): CompatConfig {
  return {
    port: c.COMPAT_WECHATBOT_WEBHOOK_PORT,
    account: c.COMPAT_WECHATBOT_WEBHOOK_ACCOUNT,
    token: c.LOGIN_API_TOKEN ?? c.LOCAL_LOGIN_API_TOKEN,
    callbackUrl: c.RECVD_MSG_API ?? c.LOCAL_RECVD_MSG_API,
    acceptSelf: c.ACCEPT_RECVD_MSG_MYSELF === 'true',
    disableAutoLogin: c.DISABLE_AUTO_LOGIN === 'true',
    legacySource: c.COMPAT_WECHATBOT_WEBHOOK_LEGACY_SOURCE,
  };
}

function readEnvFile(path: string | undefined): Record<string, string> {
  if (!path || !existsSync(path)) return {};
  try {
    return parseDotenv(readFileSync(path));
  } catch (e) {
    throw new ConfigError(`Cannot read ${path}: ${(e as Error).message}.`);
  }
}
