/**
 * The sandbox's whole mutable state, owned by one `startSandbox` call (never module-level): the
 * world, QR logins, live sessions, what clients sent, injected faults, media and counters.
 */
import { mulberry32, systemClock, type Clock } from '../util/clock.js';
import type { ResolvedOptions } from './options.js';
import { MediaStore } from './media.js';
import { LoginWindows } from './login-windows.js';
import { Session, type DeathCode, type Lang } from './session.js';
import { newDataTicket, newPassTicket, newSid, newSkey, newTicket, newUuid, randHex, type Rand } from './ids.js';
import { addAccount, generateWorld, type Account, type WorldOptions } from './world.js';

export type QrStatus = 'waiting' | 'scanned' | 'confirmed' | 'cancelled' | 'expired' | 'used';

export interface Qr {
  uuid: string;
  status: QrStatus;
  createdAt: number;
  expiresAt: number;
  /** Fires at `expiresAt` and wakes held polls, so they answer 400 at expiry rather than 408 at the end of their hold. */
  expiryTimer?: NodeJS.Timeout;
  account?: Account;
  desktop: boolean;
  lang: Lang;
  ticket?: string;
  told201: boolean;
  /** Held login polls, woken on any state change. */
  waiters: Set<() => void>;
}

export interface JournalEntry {
  seq: number;
  at: number;
  account: string;
  /** `out` = the account's client sent it; `in` = injected (a contact or member sent it); `event` = other. */
  dir: 'in' | 'out' | 'event';
  /** Stable id of the conversation (a person, `filehelper` or a NNN@chatroom). */
  chat: string;
  chatName: string;
  /** Stable id of the author (the account itself for `out`). */
  from: string;
  fromName: string;
  type: string;
  text: string;
  msgId: string;
  fileName?: string;
  /** Where the phone page can fetch the media bytes. */
  mediaKey?: string;
}

/** `answer-lost`: the request is handled (a send reaches the chat) but its answer is held for `ms` and then dropped. */
export type FaultKind = 'http-500' | 'timeout' | 'reset' | 'garbage' | 'ret-1205' | 'slow' | 'answer-lost';

export interface Fault {
  kind: FaultKind;
  remaining: number;
  account?: string;
  endpoint?: string;
  ms: number;
}

export interface FriendTicket {
  account: string;
  person: string;
  greeting: string;
}

export class SandboxState {
  readonly opts: ResolvedOptions;
  readonly clock: Clock;
  readonly rand: Rand;
  readonly worldRand: Rand;
  readonly accounts: Account[];
  readonly qrs = new Map<string, Qr>();
  readonly sessions = new Map<string, Session>();
  readonly active = new Map<string, Session>();
  readonly tombstones = new Map<string, DeathCode>();
  readonly journal: JournalEntry[] = [];
  private journalSeq = 0;
  readonly faults: Fault[] = [];
  readonly media: MediaStore;
  /** MsgId → media key for downloads of injected/sent messages. */
  readonly msgMedia = new Map<string, string>();
  readonly friendTickets = new Map<string, FriendTicket>();
  /** webwxcheckupload Signatures (§6.2). */
  readonly signatures = new Map<string, { md5: string; size: number }>();
  /** FileMd5 → MediaId of uploads (checkupload "instant upload"). */
  readonly mediaByMd5 = new Map<string, string>();
  /** Chunked uploads in progress, by session + ClientMediaId (§6.2). */
  readonly uploads = new Map<string, { parts: (Buffer | undefined)[]; received: number; at: number }>();
  /** Each session's start-up, webwxinit to first synccheck (GET /sandbox/api/logins). */
  readonly logins = new LoginWindows();
  readonly counters = { requests: 0, qrsCreated: 0, logins: 0, syncs: 0, synccheckHeld: 0, sent: 0, injected: 0, faults: 0 };
  readonly timers = new Set<NodeJS.Timeout>();
  closed = false;

  constructor(opts: ResolvedOptions, clock: Clock = systemClock) {
    this.opts = opts;
    this.clock = clock;
    this.worldRand = mulberry32(opts.seed);
    // Runtime secrets differ between runs even with the same world seed.
    this.rand = mulberry32((opts.seed ^ Math.floor(clock.now() % 0xffffffff) ^ Math.floor(clock.random() * 0xffffffff)) >>> 0);
    this.accounts = generateWorld(this.worldRand, this.worldOptions());
    for (const a of this.accounts) a.barred = opts.barredFromWeb;
    this.media = new MediaStore(opts.mediaStoreBytes);
  }

  worldOptions(): WorldOptions {
    const o = this.opts;
    return { seed: o.seed, accounts: o.accounts, contacts: o.contacts, officials: o.officials, rooms: o.rooms, roomSize: o.roomSize, family: o.family };
  }

  now(): number {
    return this.clock.now();
  }

  /** A timer the sandbox clears on close. */
  later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  cancelTimer(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  newAccount(): Account {
    const a = addAccount(this.worldRand, this.accounts, this.worldOptions());
    a.barred = this.opts.barredFromWeb;
    return a;
  }

  /** Account by id, nickname or index; default = first logged-in account, else the first. */
  account(ref?: string | number): Account | undefined {
    if (ref === undefined || ref === '') {
      for (const a of this.accounts) if (this.active.has(a.id)) return a;
      return this.accounts[0];
    }
    if (typeof ref === 'number' || /^\d+$/.test(ref)) {
      const byIndex = this.accounts[Number(ref)];
      if (byIndex) return byIndex;
    }
    return this.accounts.find((a) => a.id === ref || a.nick === ref || String(a.uin) === String(ref));
  }

  sessionOf(account: Account): Session | undefined {
    const s = this.active.get(account.id);
    return s && !s.dead ? s : undefined;
  }

  // ---- QR logins --------------------------------------------------------------------------------

  qrStatus(qr: Qr): QrStatus {
    if ((qr.status === 'waiting' || qr.status === 'scanned') && this.now() >= qr.expiresAt) return 'expired';
    return qr.status;
  }

  createQr(desktop: boolean, lang: Lang, pushAccount?: Account): Qr {
    const now = this.now();
    const qr: Qr = {
      uuid: newUuid(this.rand),
      status: pushAccount ? 'scanned' : 'waiting',
      createdAt: now,
      expiresAt: now + this.opts.qrLifetimeMs,
      desktop,
      lang,
      told201: pushAccount !== undefined,
      waiters: new Set(),
    };
    if (pushAccount) qr.account = pushAccount;
    qr.expiryTimer = this.later(this.opts.qrLifetimeMs, () => this.expireNow(qr));
    this.qrs.set(qr.uuid, qr);
    this.counters.qrsCreated += 1;
    this.pruneQrs();
    if (this.opts.autoScanMs !== undefined && !pushAccount) this.later(this.opts.autoScanMs, () => this.scan(qr.uuid));
    if (pushAccount && this.opts.autoConfirmMs !== undefined) this.later(this.opts.autoConfirmMs, () => this.confirm(qr.uuid));
    return qr;
  }

  private pruneQrs(): void {
    if (this.qrs.size < 2000) return;
    for (const [k, q] of this.qrs) {
      const st = this.qrStatus(q);
      if (st !== 'waiting' && st !== 'scanned' && st !== 'confirmed') this.qrs.delete(k);
      if (this.qrs.size < 1500) break;
    }
  }

  /** A waiting or scanned QR expires now (its lifetime is up, or the control API says so); held polls answer 400. */
  private expireNow(qr: Qr): void {
    this.cancelTimer(qr.expiryTimer);
    if (qr.status !== 'waiting' && qr.status !== 'scanned') return;
    qr.status = 'expired';
    qr.expiresAt = Math.min(qr.expiresAt, this.now());
    this.notifyQr(qr);
  }

  private notifyQr(qr: Qr): void {
    for (const w of [...qr.waiters]) w();
  }

  /** The given QR, or the newest one in one of `states`. */
  pickQr(uuid: string | undefined, states: QrStatus[]): Qr | undefined {
    if (uuid) {
      const m = /\/l\/([^/?#]+)$/.exec(uuid);
      return this.qrs.get(m ? (m[1] as string) : uuid);
    }
    let best: Qr | undefined;
    for (const q of this.qrs.values()) if (states.includes(this.qrStatus(q))) best = q;
    return best;
  }

  /** The phone scans: binds an account (given, else the first one without a live session). */
  scan(uuid?: string, accountRef?: string | number): Qr {
    const qr = this.pickQr(uuid, ['waiting']);
    if (!qr) throw new SandboxError(404, 'no pending QR code to scan');
    if (this.qrStatus(qr) !== 'waiting') throw new SandboxError(409, `QR ${qr.uuid} is ${this.qrStatus(qr)}, not waiting`);
    const account =
      accountRef !== undefined && accountRef !== '' ? this.account(accountRef) : (this.accounts.find((a) => !this.sessionOf(a)) ?? this.accounts[0]);
    if (!account) throw new SandboxError(404, `no account ${String(accountRef)}`);
    qr.status = 'scanned';
    qr.account = account;
    qr.told201 = false;
    this.notifyQr(qr);
    if (this.opts.autoConfirmMs !== undefined) this.later(this.opts.autoConfirmMs, () => this.confirm(qr.uuid));
    return qr;
  }

  /** The phone confirms the login. */
  confirm(uuid?: string): Qr {
    const qr = this.pickQr(uuid, ['scanned']);
    if (!qr) throw new SandboxError(404, 'no scanned QR code to confirm');
    if (this.qrStatus(qr) !== 'scanned') return qr.status === 'confirmed' ? qr : this.fail(409, `QR ${qr.uuid} is ${this.qrStatus(qr)}, not scanned`);
    qr.status = 'confirmed';
    this.cancelTimer(qr.expiryTimer);
    qr.ticket = newTicket(this.rand);
    this.notifyQr(qr);
    return qr;
  }

  /** The phone presses cancel: 202 (newer) or back to "not scanned" (older servers). */
  cancel(uuid?: string): Qr {
    const qr = this.pickQr(uuid, ['scanned', 'waiting']);
    if (!qr) throw new SandboxError(404, 'no pending QR code to cancel');
    if (this.opts.cancelCode === 408) {
      qr.status = 'waiting';
      delete qr.account;
      qr.told201 = false;
    } else {
      qr.status = 'cancelled';
      this.cancelTimer(qr.expiryTimer);
    }
    this.notifyQr(qr);
    return qr;
  }

  /** The QR expires now instead of at the end of its lifetime (to test a client's "QR expired → new QR" path). */
  expire(uuid?: string): Qr {
    const qr = this.pickQr(uuid, ['waiting', 'scanned']);
    if (!qr) throw new SandboxError(404, 'no pending QR code to expire');
    const status = this.qrStatus(qr);
    if (status !== 'waiting' && status !== 'scanned' && status !== 'expired') throw new SandboxError(409, `QR ${qr.uuid} is ${status}, not waiting or scanned`);
    this.expireNow(qr);
    return qr;
  }

  private fail(status: number, message: string): never {
    throw new SandboxError(status, message);
  }

  /** Exchange a confirmed QR's ticket for a new session (newloginpage). */
  startSession(qr: Qr, lang: Lang): Session {
    const account = qr.account as Account;
    qr.status = 'used';
    const old = this.active.get(account.id);
    if (old) this.endSession(old, 1101); // a new web login kicks the previous one (§11.3)
    const s = new Session({
      account,
      family: account.family,
      sid: newSid(this.rand),
      skey: newSkey(this.rand),
      passTicket: newPassTicket(this.rand),
      dataTicket: newDataTicket(this.rand),
      salt: randHex(this.rand, 12),
      lang,
      now: this.now(),
      keyBase: 600_000_000 + Math.floor(this.rand() * 100_000_000),
      withSyncCheckKey: this.opts.syncCheckKey,
    });
    account.authTicket ??= randHex(this.rand, 40);
    account.uvid ??= randHex(this.rand, 96);
    this.sessions.set(s.sid, s);
    this.active.set(account.id, s);
    this.counters.logins += 1;
    return s;
  }

  /** Kill a session; later calls with its cookies get `code` (kept as a small tombstone). */
  endSession(s: Session, code: DeathCode): void {
    s.kill(code);
    this.logins.end(s);
    this.sessions.delete(s.sid);
    if (this.active.get(s.account.id) === s) this.active.delete(s.account.id);
    this.tombstones.set(s.sid, code);
    if (this.tombstones.size > 20_000) {
      const first = this.tombstones.keys().next().value;
      if (first !== undefined) this.tombstones.delete(first);
    }
  }

  // ---- journal ------------------------------------------------------------------------------------

  record(e: Omit<JournalEntry, 'seq' | 'at'>): JournalEntry {
    const entry: JournalEntry = { ...e, seq: ++this.journalSeq, at: this.now() };
    this.journal.push(entry);
    if (this.journal.length > 20_000) this.journal.splice(0, this.journal.length - 15_000);
    return entry;
  }

  // ---- faults -------------------------------------------------------------------------------------

  /** Take one matching fault for a request (decrementing its count). */
  takeFault(endpoint: string, accountId: string | undefined): Fault | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i] as Fault;
      if (f.endpoint && f.endpoint !== endpoint) continue;
      if (f.account && f.account !== accountId) continue;
      f.remaining -= 1;
      if (f.remaining <= 0) this.faults.splice(i, 1);
      this.counters.faults += 1;
      return f;
    }
    return undefined;
  }

  /** Close: answer every held poll and clear every timer. */
  shutdown(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const q of this.qrs.values()) this.notifyQr(q);
    for (const s of this.sessions.values()) s.release();
  }
}

/** An error with an HTTP status for the control API. */
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxError';
  }
}

export { newSkey };
