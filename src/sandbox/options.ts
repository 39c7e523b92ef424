/**
 * Sandbox start options and the switches for every behaviour protocol.md marks [uncertain].
 * Defaults follow the real server as far as it is known.
 */
import type { Clock } from '../util/clock.js';
import type { Family } from './hosts.js';
import type { Lang } from './session.js';

export interface RateLimit {
  max: number;
  perMs: number;
}

/** Actions the frequency control (Ret 1205) applies to (§15 #32). */
export type RateAction = 'send' | 'batchgetcontact' | 'verifyuser' | 'createchatroom' | 'oplog' | 'updatechatroom';

export interface SandboxOptions {
  /** World generator seed, default 1. */
  seed?: number;
  /** Accounts created at start, default 1. */
  accounts?: number;
  /** Friends per account, default 50. */
  contacts?: number;
  /** Official accounts per account, default 5. */
  officials?: number;
  /** Groups per account, default 10. */
  rooms?: number;
  /** Members per group, default 20. */
  roomSize?: number;
  /** Long-poll hold for login poll and synccheck, default 25000. */
  holdMs?: number;
  /** QR lifetime, default 300000. */
  qrLifetimeMs?: number;
  /** Auto-scan the newest pending QR after N ms (unset = off). */
  autoScanMs?: number;
  /** Auto-confirm N ms after a scan (unset = off). */
  autoConfirmMs?: number;
  /** Host family of accounts, default 'wx2'. */
  family?: Family;
  /** Max events per webwxsync (ContinueFlag=1 beyond), default 100. */
  syncBatch?: number;
  /** webwxgetcontact page size, default 1000. */
  contactPageSize?: number;
  /** Default language of server texts when a request carries no `lang`, default zh_CN. */
  lang?: Lang;
  /** Time source (tests may pass a fake clock for timestamps; timers still use real time). */
  clock?: Clock;

  // ---- switches for [uncertain] behaviour ----
  /** Phone-side cancel answers 202 (newer servers) or 408 and lets the QR be scanned again (older). */
  cancelCode?: 202 | 408;
  /** Desktop-mode newloginpage answers HTTP 301 without Location (default true, §4.4). */
  desktop301?: boolean;
  /** Every account is barred from web login (1203) unless desktop mode (default false, §15 #11). */
  barredFromWeb?: boolean;
  /** Send SyncCheckKey in webwxsync (default true; false = 2016 server without it). */
  syncCheckKey?: boolean;
  /** Selector returned at once for a stale synccheck key (default 2; 6/7 also reported). */
  staleSelector?: number;
  /** Rotate skey at every webwxsync and return it in SKey (default false, §15 #26). */
  rotateSkey?: boolean;
  /** webwxgetvideo answers 206 + Content-Range with a Range header (default true) or 200. */
  video206?: boolean;
  /** addmember on a group with ≥ InviteStartCount members fails with Ret -2 (default true). */
  enforceInviteStart?: boolean;
  /** Ret for a send to an unknown UserName (default -1). */
  unknownTargetRet?: number;
  /** Sending to own long UserName fails with 1204 (default true). */
  selfSend1204?: boolean;
  /** Revoke window in ms (default 120000). */
  revokeWindowMs?: number;
  /** Sessions without any request for this long die with 1101 (unset = never). */
  idleExpiryMs?: number;
  /** Deflate JSON bodies when the client accepts it (default false). */
  deflate?: boolean;
  /**
   * Keep JSON connections open (default false: every JSON answer carries `Connection: close`, as the
   * real server was reported to do). On, a client's keep-alive agent reuses its sockets, so a benchmark
   * measures the client's own cost per message instead of TCP set-up on both sides.
   */
  keepAlive?: boolean;
  /** Frequency limits per action; `false` disables them all. */
  rateLimits?: Partial<Record<RateAction, RateLimit>> | false;
  /** webwxpushloginurl answer when cookies are fine: '0' ok, '2' antispam, '3' device authinfo invalid. */
  pushLoginRet?: '0' | '2' | '3';
  /** Upload size that needs a prior webwxcheckupload Signature (default 25 MiB). */
  bigFileBytes?: number;
  /** Upper bound for media kept in memory, oldest evicted first (default 256 MiB). */
  mediaStoreBytes?: number;
}

export type ResolvedOptions = Required<Omit<SandboxOptions, 'autoScanMs' | 'autoConfirmMs' | 'idleExpiryMs' | 'rateLimits' | 'clock'>> & {
  autoScanMs: number | undefined;
  autoConfirmMs: number | undefined;
  idleExpiryMs: number | undefined;
  rateLimits: Partial<Record<RateAction, RateLimit>> | false;
};

export const DEFAULT_RATE_LIMITS: Record<RateAction, RateLimit> = {
  send: { max: 600, perMs: 60_000 },
  batchgetcontact: { max: 300, perMs: 60_000 },
  verifyuser: { max: 20, perMs: 60_000 },
  createchatroom: { max: 10, perMs: 60_000 },
  oplog: { max: 60, perMs: 60_000 },
  updatechatroom: { max: 60, perMs: 60_000 },
};

/** Fill defaults and check ranges; throws a clear error for bad values. */
export function resolveOptions(o: SandboxOptions = {}): ResolvedOptions {
  const int = (name: string, v: number | undefined, def: number, min: number, max: number): number => {
    const x = v ?? def;
    if (!Number.isFinite(x) || x < min || x > max) throw new Error(`sandbox option ${name} must be between ${min} and ${max}, got ${String(v)}`);
    return x;
  };
  const family = o.family ?? 'wx2';
  if (!['wx', 'wx2', 'wx8', 'web', 'web2'].includes(family)) throw new Error(`sandbox option family must be wx, wx2, wx8, web or web2, got ${family}`);
  return {
    seed: int('seed', o.seed, 1, 0, 2 ** 32),
    accounts: int('accounts', o.accounts, 1, 1, 5000),
    contacts: int('contacts', o.contacts, 50, 0, 10_000),
    officials: int('officials', o.officials, 5, 0, 1000),
    rooms: int('rooms', o.rooms, 10, 0, 1000),
    roomSize: int('roomSize', o.roomSize, 20, 3, 500),
    holdMs: int('holdMs', o.holdMs, 25_000, 0, 600_000),
    qrLifetimeMs: int('qrLifetimeMs', o.qrLifetimeMs, 300_000, 1, 86_400_000),
    autoScanMs: o.autoScanMs,
    autoConfirmMs: o.autoConfirmMs,
    family,
    syncBatch: int('syncBatch', o.syncBatch, 100, 1, 100_000),
    contactPageSize: int('contactPageSize', o.contactPageSize, 1000, 1, 100_000),
    lang: o.lang ?? 'zh_CN',
    cancelCode: o.cancelCode ?? 202,
    desktop301: o.desktop301 ?? true,
    barredFromWeb: o.barredFromWeb ?? false,
    syncCheckKey: o.syncCheckKey ?? true,
    staleSelector: o.staleSelector ?? 2,
    rotateSkey: o.rotateSkey ?? false,
    video206: o.video206 ?? true,
    enforceInviteStart: o.enforceInviteStart ?? true,
    unknownTargetRet: o.unknownTargetRet ?? -1,
    selfSend1204: o.selfSend1204 ?? true,
    revokeWindowMs: int('revokeWindowMs', o.revokeWindowMs, 120_000, 0, 86_400_000),
    idleExpiryMs: o.idleExpiryMs,
    deflate: o.deflate ?? false,
    keepAlive: o.keepAlive ?? false,
    rateLimits: o.rateLimits === false ? false : { ...DEFAULT_RATE_LIMITS, ...(o.rateLimits ?? {}) },
    pushLoginRet: o.pushLoginRet ?? '0',
    bigFileBytes: int('bigFileBytes', o.bigFileBytes, 25 * 1024 * 1024, 1, 2 ** 40),
    mediaStoreBytes: int('mediaStoreBytes', o.mediaStoreBytes, 256 * 1024 * 1024, 1, 2 ** 40),
  };
}
