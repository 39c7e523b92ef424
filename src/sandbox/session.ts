/**
 * One logged-in web session of a sandbox account: secrets, per-login UserNames, the queue of
 * changes waiting for webwxsync, the SyncKey/SyncCheckKey arithmetic and the one held synccheck.
 * Kept small on purpose: 1,000 of these must fit in one process.
 */
import type { RawContact, RawDelContact, RawProfile, RawSyncKey } from '../protocol/raw-types.js';
import type { WireAddMsg } from './wire.js';
import type { Family } from './hosts.js';
import { formatSyncKey, parseSyncKeyString } from './format.js';
import { loginUserName, encryChatRoomId } from './ids.js';
import type { Account } from './world.js';

/** Keys the server's SyncKey carries and its SyncCheckKey does not (recorded sessions, §5.5). */
const SYNC_ONLY_KEYS = new Set([203, 1002]);

export type DeathCode = 1100 | 1101 | 1102;
export type Lang = 'zh_CN' | 'en_US';

export type SyncEvent =
  | { seq: number; kind: 'msg'; msg: WireAddMsg }
  | { seq: number; kind: 'enter'; msg: WireAddMsg }
  | { seq: number; kind: 'contact'; contact: RawContact }
  | { seq: number; kind: 'del'; del: RawDelContact }
  | { seq: number; kind: 'profile'; profile: RawProfile };

type EventBody = SyncEvent extends infer E ? (E extends { seq: number } ? Omit<E, 'seq'> : never) : never;

/** Plain (non-@) UserNames of special accounts that keep their name at every login. */
export const SPECIAL_NAMES = new Set(['filehelper', 'fmessage', 'weixin', 'newsapp']);

interface Waiter {
  answer: (retcode: number, selector: number) => void;
}

export interface SentRecord {
  msgId: string;
  at: number;
  to: string;
  clientMsgId: string;
}

export interface SessionInit {
  account: Account;
  family: Family;
  sid: string;
  skey: string;
  passTicket: string;
  dataTicket: string;
  salt: string;
  lang: Lang;
  now: number;
  keyBase: number;
  withSyncCheckKey: boolean;
}

export class Session {
  readonly account: Account;
  readonly family: Family;
  readonly sid: string;
  skey: string;
  readonly passTicket: string;
  readonly dataTicket: string;
  readonly salt: string;
  lang: Lang;
  readonly createdAt: number;
  lastSeen: number;
  dead: DeathCode | null = null;
  inited = false;
  /** Skeys that were valid before a rotation (hot reload keeps working with them). */
  oldSkeys: string[] = [];
  private events: SyncEvent[] = [];
  private seq = 0;
  private readonly keyBase: number;
  private readonly loginSecs: number;
  private readonly withSyncCheckKey: boolean;
  private waiter: Waiter | null = null;
  private reverse: Map<string, string> | null = null;
  /** Last sends, for revoke (§6.7); capped. */
  readonly sent = new Map<string, SentRecord>();
  /** Per-action timestamps for the rate limiter, created on first use. */
  rate: Map<string, number[]> | null = null;

  constructor(init: SessionInit) {
    this.account = init.account;
    this.family = init.family;
    this.sid = init.sid;
    this.skey = init.skey;
    this.passTicket = init.passTicket;
    this.dataTicket = init.dataTicket;
    this.salt = init.salt;
    this.lang = init.lang;
    this.createdAt = init.now;
    this.lastSeen = init.now;
    this.keyBase = init.keyBase;
    this.loginSecs = Math.floor(init.now / 1000);
    this.withSyncCheckKey = init.withSyncCheckKey;
  }

  get uin(): number {
    return this.account.uin;
  }

  /** The per-login UserName of a stable id. */
  userName(id: string): string {
    if (SPECIAL_NAMES.has(id)) return id;
    if (id === this.account.id) return loginUserName(this.salt, id, 'self');
    if (id.endsWith('@chatroom')) return loginUserName(this.salt, id, 'room');
    return loginUserName(this.salt, id, 'person');
  }

  get selfName(): string {
    return this.userName(this.account.id);
  }

  encryChatRoomId(roomId: string): string {
    return encryChatRoomId(this.salt, roomId);
  }

  /** Stable id behind a UserName of this login (also accepts EncryChatRoomIds of groups). */
  resolve(userName: string): string | undefined {
    if (SPECIAL_NAMES.has(userName)) return userName;
    if (!userName.startsWith('@')) return undefined;
    let hit = this.reverse?.get(userName);
    if (hit !== undefined) return hit;
    this.reverse = this.buildReverse();
    hit = this.reverse.get(userName);
    return hit;
  }

  private buildReverse(): Map<string, string> {
    const m = new Map<string, string>();
    m.set(this.userName(this.account.id), this.account.id);
    for (const id of this.account.people.keys()) m.set(this.userName(id), id);
    for (const id of this.account.rooms.keys()) {
      m.set(this.userName(id), id);
      m.set(this.encryChatRoomId(id), id);
    }
    return m;
  }

  // ---- sync keys -------------------------------------------------------------------------------

  /** The 4-key SyncKey webwxinit returns (position 0). */
  initSyncKey(): RawSyncKey {
    const b = this.keyBase;
    return this.keyOf([
      [1, b],
      [2, b + 7],
      [3, b + 3],
      [1000, this.loginSecs],
    ]);
  }

  /** SyncKey after webwxsync at `pos` (~10 keys, §5.6); key 1 carries the position. */
  syncKeyAt(pos: number): RawSyncKey {
    return this.keyOf(this.syncPairsAt(pos));
  }

  /** SyncCheckKey after webwxsync at `pos`: deliberately not the same list as SyncKey (§5.5): keys 203 and 1002 left out. */
  checkKeyAt(pos: number): RawSyncKey {
    if (!this.withSyncCheckKey) return this.syncKeyAt(pos);
    return this.keyOf(this.syncPairsAt(pos).filter(([key]) => !SYNC_ONLY_KEYS.has(key)));
  }

  private syncPairsAt(pos: number): [number, number][] {
    const b = this.keyBase;
    const t = this.loginSecs + pos;
    return [
      [1, b + pos],
      [2, b + 7 + pos],
      [3, b + 3 + pos],
      [11, b + 11 + pos],
      [13, b + 13],
      [201, t],
      [203, t - 7],
      [1000, this.loginSecs],
      [1001, this.loginSecs + 1],
      [1002, this.loginSecs + 2],
    ];
  }

  private keyOf(pairs: [number, number][]): RawSyncKey {
    return { Count: pairs.length, List: pairs.map(([Key, Val]) => ({ Key, Val })) };
  }

  /** Position encoded in a key list (key 1), or null when the key is not one of ours. */
  positionOf(list: { Key: number; Val: number }[] | undefined): number | null {
    const k1 = list?.find((k) => Number(k.Key) === 1);
    if (!k1) return null;
    const pos = Number(k1.Val) - this.keyBase;
    if (!Number.isInteger(pos) || pos < 0 || pos > this.seq) return null;
    return pos;
  }

  /**
   * Check a synccheck key string: the position when it is exactly the current-form check key
   * (or the init key), `stale` when it is anything else (e.g. built from SyncKey, §16 #6).
   */
  checkSyncCheckKey(text: string): { pos: number } | 'stale' {
    const list = parseSyncKeyString(text);
    const pos = this.positionOf(list ?? undefined);
    if (pos === null) return 'stale';
    if (text === formatSyncKey(this.checkKeyAt(pos))) return { pos };
    if (pos === 0 && text === formatSyncKey(this.initSyncKey())) return { pos };
    return 'stale';
  }

  // ---- event queue -----------------------------------------------------------------------------

  /** Queue a change for the next webwxsync and wake a held synccheck. */
  enqueue(event: EventBody): void {
    if (this.dead) return;
    this.seq += 1;
    this.events.push({ ...event, seq: this.seq } as SyncEvent);
    this.wake();
  }

  /** Events after `pos` (oldest first). */
  pendingAfter(pos: number): SyncEvent[] {
    return this.events.filter((e) => e.seq > pos);
  }

  /** Selector for what is pending after `pos` (§5.5): 2 messages, 4 contacts/profile, 7 phone. */
  selectorAfter(pos: number): number {
    let sel = 0;
    for (const e of this.events) {
      if (e.seq <= pos) continue;
      if (e.kind === 'msg') return 2;
      if (e.kind === 'enter') sel = sel === 0 ? 7 : sel;
      else sel = 4;
    }
    return sel;
  }

  /** Drop what the client acknowledged by sending a key at `pos`. */
  ack(pos: number): void {
    if (this.events.length && (this.events[0] as SyncEvent).seq <= pos) this.events = this.events.filter((e) => e.seq > pos);
  }

  get position(): number {
    return this.seq;
  }

  get queued(): number {
    return this.events.length;
  }

  // ---- the held synccheck ----------------------------------------------------------------------

  /** Park a synccheck; an earlier parked one is answered "nothing new" first. */
  park(answer: (retcode: number, selector: number) => void): () => void {
    this.waiter?.answer(0, 0);
    const w: Waiter = { answer };
    this.waiter = w;
    return () => {
      if (this.waiter === w) this.waiter = null;
    };
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = null;
    w.answer(0, -1);
  }

  /** End the session with a death code (logout, kicked, expired); a held synccheck answers it. */
  kill(code: DeathCode): void {
    if (this.dead) return;
    this.dead = code;
    this.events = [];
    const w = this.waiter;
    this.waiter = null;
    w?.answer(code, 0);
  }

  /** Answer a parked synccheck with "nothing new" (sandbox shutdown). */
  release(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.answer(0, 0);
  }

  get hasWaiter(): boolean {
    return this.waiter !== null;
  }

  rememberSend(rec: SentRecord): void {
    this.sent.set(rec.msgId, rec);
    if (this.sent.size > 200) {
      const first = this.sent.keys().next().value;
      if (first !== undefined) this.sent.delete(first);
    }
  }

  /** Forget the reverse table (ids were added or removed); rebuilt on the next lookup. */
  invalidateNames(): void {
    this.reverse = null;
  }
}
