/**
 * The iLink sandbox's whole mutable state, owned by one `startSandbox` call: the fake clock, phone
 * users, bots and their tokens, QR codes, the send log, the phone's conversation, the call log,
 * pending faults and the CDN's objects. Never module-level (design.md §1).
 */
import { mulberry32, systemClock, type Clock } from '../../util/clock.js';
import type { Rand } from '../ids.js';
import { SandboxError, type SandboxState } from '../state.js';
import { CdnStore } from './cdn-store.js';
import { newBotId, newBotToken, newUserId } from './ids.js';
import type { Bot, CallRecord, ChatLine, IlinkUser, QrCode, SentEntry, WireMessage } from './model.js';
import { checkSwitches, DEFAULT_SWITCHES, type IlinkSwitches, type ResolvedIlinkOptions } from './options.js';

export const ILINK_FAULT_KINDS = [
  'stale-14',
  'ret-2-window',
  'ret-2-quota',
  'ret-2-rate',
  'ret-3',
  'empty-200',
  'http-524',
  'timeout',
  'reset',
  'garbage',
  'duplicate',
  'duplicate-new-id',
  'duplicate-no-id',
  'late-redelivery',
  'cdn-500',
  'cdn-no-param',
] as const;
export type IlinkFaultKind = (typeof ILINK_FAULT_KINDS)[number];

/** Faults answered in place of a sendmessage. */
export const SEND_FAULTS: readonly IlinkFaultKind[] = ['ret-2-window', 'ret-2-quota', 'ret-2-rate', 'ret-3', 'empty-200'];
/** Faults of the transport, for any API endpoint unless one is named. */
export const TRANSPORT_FAULTS: readonly IlinkFaultKind[] = ['http-524', 'timeout', 'reset', 'garbage'];
/** Faults that copy the next user messages getupdates hands out. */
export const DUPLICATE_FAULTS: readonly IlinkFaultKind[] = ['duplicate', 'duplicate-new-id', 'duplicate-no-id'];
export const CDN_FAULTS: readonly IlinkFaultKind[] = ['cdn-500', 'cdn-no-param'];

export interface IlinkFault {
  kind: IlinkFaultKind;
  remaining: number;
  endpoint?: string;
  ms: number;
}

const KEEP = 5000;

export class IlinkState {
  readonly opts: ResolvedIlinkOptions;
  readonly rand: Rand;
  /** Added to the base clock by `POST /sandbox/api/ilink/clock`. */
  offsetMs = 0;
  readonly users: IlinkUser[] = [];
  readonly bots = new Map<string, Bot>();
  readonly byToken = new Map<string, Bot>();
  readonly qrs = new Map<string, QrCode>();
  readonly sent: SentEntry[] = [];
  readonly chat: ChatLine[] = [];
  readonly calls: CallRecord[] = [];
  readonly faults: IlinkFault[] = [];
  readonly cdn: CdnStore;
  /** Redelivered copies (never copied again). */
  readonly copies = new WeakSet<WireMessage>();
  readonly counters: Record<string, number> = {};
  /** What the last API call carried (headers decoded, base_info), for the state view (§9.43). */
  lastHeaders: Record<string, unknown> = {};
  /** The sandbox's own HTTP origin (QR links for the phone page point here). */
  origin = '';
  private seqs = { sent: 0, chat: 0, call: 0, message: 7_182_640_000 };
  closed = false;

  constructor(
    opts: ResolvedIlinkOptions,
    /** The web sandbox's state: its clock and its timers (cleared when the sandbox closes). */
    private readonly timers: Pick<SandboxState, 'later' | 'cancelTimer'>,
    private readonly clock: Clock = systemClock,
    seed = 1,
  ) {
    this.opts = { ...opts };
    this.rand = mulberry32((seed ^ 0x1badb07 ^ Math.floor(clock.random() * 0xffffffff)) >>> 0);
    this.cdn = new CdnStore(opts.cdnStoreBytes);
    this.users.push({ id: newUserId(this.rand), nickname: 'Owner' });
  }

  /** The iLink clock: the sandbox clock plus the advanced offset. */
  now(): number {
    return this.clock.now() + this.offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isInteger(ms) || ms < 0) throw new SandboxError(400, 'advanceMs must be a whole number ≥ 0');
    this.offsetMs += ms;
    // Expired QR codes change status: wake their held polls.
    for (const q of this.qrs.values()) for (const w of [...q.waiters]) w();
  }

  setSwitches(input: Record<string, unknown>): IlinkSwitches {
    let checked: Partial<IlinkSwitches>;
    try {
      checked = checkSwitches(input);
    } catch (err) {
      throw new SandboxError(400, (err as Error).message);
    }
    Object.assign(this.opts, checked);
    return this.switches();
  }

  /** The current value of every [uncertain] switch. */
  switches(): IlinkSwitches {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(DEFAULT_SWITCHES)) out[k] = this.opts[k as keyof IlinkSwitches];
    return out as unknown as IlinkSwitches;
  }

  /** A timer cleared on close (real time: long-poll holds and delays), kept by the sandbox. */
  later(ms: number, fn: () => void): NodeJS.Timeout {
    return this.timers.later(ms, fn);
  }

  cancel(t: NodeJS.Timeout | undefined): void {
    this.timers.cancelTimer(t);
  }

  count(name: string): void {
    this.counters[name] = (this.counters[name] ?? 0) + 1;
  }

  nextMessageId(): string {
    this.seqs.message += 1 + Math.floor(this.rand() * 7);
    if (this.opts.messageIds === 'big') return (2n ** 53n + BigInt(this.seqs.message)).toString();
    return String(this.seqs.message);
  }

  // ---- users and bots ---------------------------------------------------------------------------

  /** A user by id (any case) or nickname; `new` makes one; default the first. */
  user(ref?: string): IlinkUser {
    if (ref === 'new') {
      const u: IlinkUser = { id: newUserId(this.rand), nickname: `User ${this.users.length + 1}` };
      this.users.push(u);
      return u;
    }
    if (!ref) return this.users[0] as IlinkUser;
    const lower = ref.toLowerCase();
    const u = this.users.find((x) => x.id.toLowerCase() === lower || x.nickname === ref);
    if (!u) throw new SandboxError(404, `no iLink user ${ref}`);
    return u;
  }

  userById(id: string): IlinkUser | undefined {
    return this.users.find((u) => u.id === id);
  }

  /** True while the token works (a death may be scheduled for later). */
  alive(bot: Bot): boolean {
    return !bot.death || this.now() < bot.death.at;
  }

  /** The live bot of a user (default: the first user with one, else the first user). */
  botOfUser(ref?: string): Bot {
    const u = ref ? this.user(ref) : (this.users.find((x) => x.botId && this.alive(this.bots.get(x.botId) as Bot)) ?? this.user());
    const bot = u.botId ? this.bots.get(u.botId) : undefined;
    if (!bot || !this.alive(bot)) throw new SandboxError(409, `user ${u.nickname} (${u.id}) has no bot bound; scan and confirm a QR first`);
    return bot;
  }

  /** Bind a new bot to the user; the user's previous bot dies after `rebindDelayMs` (§9.13). */
  bind(user: IlinkUser): Bot {
    const id = newBotId(this.rand);
    const bot: Bot = {
      id,
      token: newBotToken(this.rand, id),
      userId: user.id,
      boundAt: this.now(),
      seq: 0,
      inbox: [],
      inboxBase: 0,
      handedOut: 0,
      acked: 0,
      held: [],
      sendsSinceInbound: 0,
      contextTokens: [],
      clientIds: new Set(),
      rateLog: [],
      generating: new Map(),
    };
    const old = user.botId ? this.bots.get(user.botId) : undefined;
    if (old && this.alive(old)) this.kill(old, 'new-login', this.opts.rebindDelayMs);
    this.bots.set(id, bot);
    this.byToken.set(bot.token, bot);
    user.botId = id;
    this.count('bindings');
    return bot;
  }

  /** The token dies (after `delayMs` on the iLink clock); held polls of it are answered -14. */
  kill(bot: Bot, reason: NonNullable<Bot['death']>['reason'], delayMs = 0): void {
    if (bot.death && bot.death.at <= this.now() + delayMs) return;
    bot.death = { reason, at: this.now() + delayMs };
    const user = this.userById(bot.userId);
    if (user?.botId === bot.id && reason !== 'new-login') delete user.botId;
    const stale = (): void => {
      for (const h of bot.held.splice(0)) h.wake('stale');
    };
    if (delayMs === 0) stale();
    else this.later(delayMs, stale);
  }

  // ---- logs ---------------------------------------------------------------------------------------

  recordSent(e: Omit<SentEntry, 'seq' | 'at'>): SentEntry {
    const entry: SentEntry = { seq: ++this.seqs.sent, at: this.now(), ...e };
    this.sent.push(entry);
    if (this.sent.length > KEEP * 2) this.sent.splice(0, this.sent.length - KEEP);
    return entry;
  }

  recordChat(e: Omit<ChatLine, 'seq' | 'at'>): ChatLine {
    const line: ChatLine = { seq: ++this.seqs.chat, at: this.now(), ...e };
    this.chat.push(line);
    if (this.chat.length > KEEP * 2) this.chat.splice(0, this.chat.length - KEEP);
    return line;
  }

  recordCall(e: Omit<CallRecord, 'seq' | 'at'>): CallRecord {
    const call: CallRecord = { seq: ++this.seqs.call, at: this.now(), ...e };
    this.calls.push(call);
    if (this.calls.length > KEEP * 2) this.calls.splice(0, this.calls.length - KEEP);
    this.count(`calls.${e.endpoint}`);
    if (e.deadToken) this.count('deadTokenCalls');
    return call;
  }

  // ---- faults -------------------------------------------------------------------------------------

  /** Take one pending fault of `kinds` that applies to `endpoint`. */
  takeFault(endpoint: string, kinds: readonly IlinkFaultKind[]): IlinkFault | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i] as IlinkFault;
      if (!kinds.includes(f.kind)) continue;
      if (f.endpoint && f.endpoint !== endpoint) continue;
      f.remaining -= 1;
      if (f.remaining <= 0) this.faults.splice(i, 1);
      this.count(`faults.${f.kind}`);
      return f;
    }
    return undefined;
  }

  /** Close: answer held polls (the sandbox clears the timers). */
  shutdown(): void {
    this.closed = true;
    for (const b of this.bots.values()) for (const h of b.held.splice(0)) h.wake('close');
    for (const q of this.qrs.values()) for (const w of [...q.waiters]) w();
  }
}
