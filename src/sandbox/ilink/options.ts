/**
 * Options of the iLink sandbox and one switch per behaviour `../shared/ilink.md` §9 marks
 * [uncertain]. The first value named in §9 is the default unless a note says why not; docs/sandbox.md
 * lists them all with the reason for each default.
 */
import { REDIRECT_HOST } from './hosts.js';

export type StaleShape = 'errcode-only' | 'ret+errcode';
export type OnOff = 'off' | 'on';
export type BotTypeCheck = 'accept' | '400';
export type QrRedirect = 'off' | 'wait' | 'same';
export type BaseUrlMode = 'same' | 'other' | 'omitted';
export type CursorMode = 'server-ack' | 'cursor-replay';
export type DuplicateMode = 'off' | 'same-id' | 'new-id' | 'no-id';
export type ConcurrentPoll = 'both-held' | 'older-gets-empty' | 'older-gets--14';
export type MessageIdMode = 'safe' | 'big';
export type ToUserCase = 'exact' | 'case-insensitive';
export type ItemsPerRequest = 'many-ok' | 'one-only';
export type MissingToken = 'empty-200' | 'ret-3' | 'ret-2';
export type ForeignToken = 'ret-3' | 'ret-2';
export type TokenValidity = 'latest-or-grace' | 'latest-only' | 'any-in-window';
export type QuotaScope = 'per-user-turn' | 'per-token';
export type DupClientId = 'accept' | 'silent-drop' | 'drop-later-sends';
export type Generating = 'deliver-as-bubble' | 'reject-finish' | 'merge';
export type LongText = 'truncate' | 'ret-2' | 'accept';
export type SendOkBody = 'ret0' | 'empty-object' | 'empty';
export type ToolItems = 'show' | 'ret-3';
export type FormA = 'accept' | 'grey-box';
export type Stickers = 'drop' | 'empty-items' | 'placeholder';
export type CdnTls = 'modern' | 'rsa-legacy';
export type RequireBaseInfo = 'off' | 'silent-drop';

export interface RateLimitRule {
  max: number;
  perMs: number;
  cooldownMs: number;
}

export interface IlinkSwitches {
  /** §9.3 answer shape of a dead/unknown token. */
  staleShape: StaleShape;
  /** §9.4 missing, empty or `0` iLink-App-* headers → -14 on getupdates. */
  requireAppHeaders: OnOff;
  /** §9.5 a sendmessage without base_info is answered ok and dropped. */
  requireBaseInfo: RequireBaseInfo;
  /** §9.6 a bot_type other than 3. */
  botType: BotTypeCheck;
  /** §9.9 hold get_qrcode_status this long (0 = answer at once), answering early on a change. */
  qrStatusHoldMs: number;
  /** §9.10 after a scan the login host answers scaned_but_redirect; later `wait` or the same again. */
  redirect: QrRedirect;
  /** §9.11 the `baseurl` of a confirmation. */
  baseUrl: BaseUrlMode;
  /** §9.16 what an older cursor does. */
  cursorMode: CursorMode;
  /** §9.17 automatic redelivery of every user message. */
  duplicates: DuplicateMode;
  duplicateDelayMs: number;
  /** §9.18 a second getupdates while one is held. */
  concurrentPoll: ConcurrentPoll;
  /** §9.19 message ids below or above 2^53. */
  messageIds: MessageIdMode;
  /** §9.20 delivered bot sends come back as message_type 2. */
  echoBotMessages: OnOff;
  /** §9.22 to_user_id match. */
  toUserCase: ToUserCase;
  itemsPerRequest: ItemsPerRequest;
  /** §9.23 a send without context_token. */
  missingToken: MissingToken;
  /** §9.24 a context_token of another user, or unknown. */
  foreignToken: ForeignToken;
  /** §9.25 errmsg of the window/quota refusal. */
  windowErrmsg: string;
  /** §9.25 / ilink.md §6.2.4 which of a user's tokens a send may carry. */
  tokenValidity: TokenValidity;
  tokenGraceMs: number;
  /** §9.26 what the quota counts. */
  quotaScope: QuotaScope;
  /** §9.28 a reused client_id. */
  dupClientId: DupClientId;
  /** §9.29 message_state 1 (GENERATING) then 2 under one client_id. */
  generating: Generating;
  /** §9.30 text above maxText characters. */
  longText: LongText;
  maxText: number;
  /** §9.31 body of an accepted send. */
  sendOkBody: SendOkBody;
  /** §9.32 tool-call items 11/12. */
  toolItems: ToolItems;
  /** §9.33 getconfig for a user not bound to this bot. */
  getconfigOtherUser: ForeignToken;
  /** §9.34 sendtyping with an unknown ticket → -3 (on) or ignored (off). */
  typingBadTicket: OnOff;
  typingCountsQuota: OnOff;
  /** §9.35 the phone shows "暂无法连接" after notifystop or this long without a poll. */
  offlineAfterMs: number;
  /** §9.36 getuploadurl also returns upload_full_url. */
  uploadFullUrl: OnOff;
  /** §9.37 a second upload with the same (used or expired) upload_param. */
  uploadParamReuse: 'reject' | 'accept';
  /** §9.39 outbound media carrying a form-A aes_key. */
  formA: FormA;
  /** §9.40 inbound media carry full_url; images are sent plain (no key). */
  fullUrl: OnOff;
  plainImages: OnOff;
  /** §9.44 what a sticker from the phone becomes. */
  stickers: Stickers;
  /** §9.42 TLS of the HTTPS listener (takes effect at start only). */
  cdnTls: CdnTls;
}

export interface IlinkOptions extends Partial<IlinkSwitches> {
  /** §9.8 QR lifetime on the iLink clock (default 60000; real 60–120 s). */
  qrLifetimeMs?: number;
  /** §9.7 wrong verify codes before verify_code_blocked (default 3). */
  verifyAttempts?: number;
  /** Every scan asks for a verify code (default false; a scan may ask with `verify: true`). */
  verifyCode?: boolean;
  /** Name of the redirect host (§9.10; in the TLS certificate). */
  redirectHost?: string;
  /** §9.13 a new binding kills the user's previous token after this long (default 0; real ~30 s). */
  rebindDelayMs?: number;
  /** §9.14 `longpolling_timeout_ms` answered. */
  longPollTimeoutMs?: number;
  /** §9.15 how long getupdates is held (default 35000; tests use ~1 s). */
  pollHoldMs?: number;
  /**
   * Network latency of getupdates answers (default 0): the server hands the messages out when it
   * answers, and the answer reaches the client this much later. A client that hangs up meanwhile
   * loses them under `server-ack` (they are consumed), as it would on a real link.
   */
  updatesLatencyMs?: number;
  /** §9.25 reply window (default 24 h on the iLink clock). */
  windowMs?: number;
  /** §9.26 sends per user message (default 10). */
  quota?: number;
  /** §9.27 frequency limiter (default off; reported ~4 per 8 min, then 30 min). */
  rateLimit?: RateLimitRule | false;
  /** §9.33 typing ticket lifetime (default 24 h). */
  typingTicketMs?: number;
  /** §9.34 "typing…" clears after this long without a refresh (default 10 s). */
  typingClearMs?: number;
  /** upload_param lifetime (default 1 h). */
  uploadParamTtlMs?: number;
  /** Bytes of CDN objects kept in memory, oldest evicted (default 256 MiB). */
  cdnStoreBytes?: number;
  /** Turn on automatic scan/confirm after N ms (demo without a phone). */
  autoConfirmMs?: number;
}

export interface ResolvedIlinkOptions extends IlinkSwitches {
  qrLifetimeMs: number;
  verifyAttempts: number;
  verifyCode: boolean;
  redirectHost: string;
  rebindDelayMs: number;
  longPollTimeoutMs: number;
  pollHoldMs: number;
  updatesLatencyMs: number;
  windowMs: number;
  quota: number;
  rateLimit: RateLimitRule | false;
  typingTicketMs: number;
  typingClearMs: number;
  uploadParamTtlMs: number;
  cdnStoreBytes: number;
  autoConfirmMs: number | undefined;
}

export const DEFAULT_SWITCHES: IlinkSwitches = {
  staleShape: 'errcode-only',
  requireAppHeaders: 'off',
  requireBaseInfo: 'off',
  botType: 'accept',
  qrStatusHoldMs: 0,
  redirect: 'off',
  baseUrl: 'same',
  cursorMode: 'server-ack',
  duplicates: 'off',
  duplicateDelayMs: 2000,
  concurrentPoll: 'both-held',
  messageIds: 'safe',
  echoBotMessages: 'off',
  toUserCase: 'exact',
  itemsPerRequest: 'many-ok',
  missingToken: 'empty-200',
  foreignToken: 'ret-3',
  windowErrmsg: 'prepare failed',
  tokenValidity: 'latest-or-grace',
  tokenGraceMs: 10_000,
  quotaScope: 'per-user-turn',
  dupClientId: 'accept',
  generating: 'deliver-as-bubble',
  longText: 'truncate',
  maxText: 2000,
  sendOkBody: 'ret0',
  toolItems: 'show',
  getconfigOtherUser: 'ret-3',
  typingBadTicket: 'on',
  typingCountsQuota: 'off',
  offlineAfterMs: 120_000,
  uploadFullUrl: 'on',
  uploadParamReuse: 'reject',
  formA: 'accept',
  fullUrl: 'on',
  plainImages: 'off',
  stickers: 'placeholder',
  cdnTls: 'modern',
};

/** The allowed values of each enumerated switch (numbers and free text are checked apart). */
export const SWITCH_VALUES: { [K in keyof IlinkSwitches]?: readonly string[] } = {
  staleShape: ['errcode-only', 'ret+errcode'],
  requireAppHeaders: ['off', 'on'],
  requireBaseInfo: ['off', 'silent-drop'],
  botType: ['accept', '400'],
  redirect: ['off', 'wait', 'same'],
  baseUrl: ['same', 'other', 'omitted'],
  cursorMode: ['server-ack', 'cursor-replay'],
  duplicates: ['off', 'same-id', 'new-id', 'no-id'],
  concurrentPoll: ['both-held', 'older-gets-empty', 'older-gets--14'],
  messageIds: ['safe', 'big'],
  echoBotMessages: ['off', 'on'],
  toUserCase: ['exact', 'case-insensitive'],
  itemsPerRequest: ['many-ok', 'one-only'],
  missingToken: ['empty-200', 'ret-3', 'ret-2'],
  foreignToken: ['ret-3', 'ret-2'],
  tokenValidity: ['latest-or-grace', 'latest-only', 'any-in-window'],
  quotaScope: ['per-user-turn', 'per-token'],
  dupClientId: ['accept', 'silent-drop', 'drop-later-sends'],
  generating: ['deliver-as-bubble', 'reject-finish', 'merge'],
  longText: ['truncate', 'ret-2', 'accept'],
  sendOkBody: ['ret0', 'empty-object', 'empty'],
  toolItems: ['show', 'ret-3'],
  getconfigOtherUser: ['ret-3', 'ret-2'],
  typingBadTicket: ['off', 'on'],
  typingCountsQuota: ['off', 'on'],
  uploadFullUrl: ['off', 'on'],
  uploadParamReuse: ['reject', 'accept'],
  formA: ['accept', 'grey-box'],
  fullUrl: ['off', 'on'],
  plainImages: ['off', 'on'],
  stickers: ['drop', 'empty-items', 'placeholder'],
  cdnTls: ['modern', 'rsa-legacy'],
};

const NUMERIC_SWITCHES = new Set<keyof IlinkSwitches>(['qrStatusHoldMs', 'duplicateDelayMs', 'tokenGraceMs', 'maxText', 'offlineAfterMs']);

/**
 * Check and merge a set of switch values (from options, flags, env or the control API); throws a
 * clear error naming the switch and its allowed values.
 */
export function checkSwitches(input: Record<string, unknown>): Partial<IlinkSwitches> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    if (!(k in DEFAULT_SWITCHES)) throw new Error(`unknown iLink switch ${k}`);
    const key = k as keyof IlinkSwitches;
    if (NUMERIC_SWITCHES.has(key)) {
      const n = typeof v === 'string' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`iLink switch ${k} must be a whole number ≥ 0, got ${String(v)}`);
      out[k] = n;
    } else if (key === 'windowErrmsg') {
      if (typeof v !== 'string') throw new Error('iLink switch windowErrmsg must be a string');
      out[k] = v;
    } else {
      const allowed = SWITCH_VALUES[key] ?? [];
      if (typeof v !== 'string' || !allowed.includes(v)) throw new Error(`iLink switch ${k} must be one of ${allowed.join(', ')}, got ${String(v)}`);
      out[k] = v;
    }
  }
  return out as Partial<IlinkSwitches>;
}

function whole(name: string, v: number | undefined, def: number, min: number, max: number): number {
  const x = v ?? def;
  if (!Number.isInteger(x) || x < min || x > max)
    throw new Error(`iLink sandbox option ${name} must be a whole number between ${min} and ${max}, got ${String(v)}`);
  return x;
}

/** Fill defaults and check every value. */
export function resolveIlinkOptions(o: IlinkOptions = {}): ResolvedIlinkOptions {
  const switches: Record<string, unknown> = {};
  for (const k of Object.keys(DEFAULT_SWITCHES)) switches[k] = (o as Record<string, unknown>)[k];
  const rate = o.rateLimit ?? false;
  if (rate !== false && (!(rate.max >= 1) || !(rate.perMs >= 1) || !(rate.cooldownMs >= 0)))
    throw new Error('iLink sandbox option rateLimit needs max ≥ 1, perMs ≥ 1, cooldownMs ≥ 0');
  return {
    ...DEFAULT_SWITCHES,
    ...checkSwitches(switches),
    qrLifetimeMs: whole('qrLifetimeMs', o.qrLifetimeMs, 60_000, 1, 86_400_000),
    verifyAttempts: whole('verifyAttempts', o.verifyAttempts, 3, 1, 100),
    verifyCode: o.verifyCode ?? false,
    redirectHost: o.redirectHost ?? REDIRECT_HOST,
    rebindDelayMs: whole('rebindDelayMs', o.rebindDelayMs, 0, 0, 86_400_000),
    longPollTimeoutMs: whole('longPollTimeoutMs', o.longPollTimeoutMs, 35_000, 0, 600_000),
    pollHoldMs: whole('pollHoldMs', o.pollHoldMs, 35_000, 0, 600_000),
    updatesLatencyMs: whole('updatesLatencyMs', o.updatesLatencyMs, 0, 0, 600_000),
    windowMs: whole('windowMs', o.windowMs, 24 * 3600_000, 1, 365 * 86_400_000),
    quota: whole('quota', o.quota, 10, 1, 1_000_000),
    rateLimit: rate,
    typingTicketMs: whole('typingTicketMs', o.typingTicketMs, 24 * 3600_000, 1, 365 * 86_400_000),
    typingClearMs: whole('typingClearMs', o.typingClearMs, 10_000, 1, 86_400_000),
    uploadParamTtlMs: whole('uploadParamTtlMs', o.uploadParamTtlMs, 3600_000, 1, 365 * 86_400_000),
    cdnStoreBytes: whole('cdnStoreBytes', o.cdnStoreBytes, 256 * 1024 * 1024, 1, 2 ** 40),
    autoConfirmMs: o.autoConfirmMs,
  };
}
