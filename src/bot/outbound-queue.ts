/**
 * One account's durable outbound queue. `enqueue()` returns once the row is committed; a worker
 * loop sends rows in order (per chat), paced, retrying 1205 and network failures with back-off,
 * and parks while the account is offline. After a restart `start()` picks up every queued row.
 * Paced, one send is in flight at a time; without pacing (SEND_PACING=off) several sends to
 * different chats are in flight at once, while each chat keeps its order (one at a time per chat).
 * On a transport with a reply window (iLink) a send the transport refuses with 'waiting-for-user'
 * is held — with every later row of that chat, to keep the order — until the user writes again
 * (`release`); a held row older than `maxHoldMs` fails with the reason.
 */
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import type { Transport } from '../transport/transport.js';
import type { SentMessage } from '../transport/model.js';
import { isTransportError } from '../transport/errors.js';
import type { NewOutbound, OutboundRecord } from './outbound-record.js';
import type { OutboundRepo } from '../store/index.js';
import { Pacer, type PacingProfile } from './pacing.js';
import { SettleBatch } from './settle-batch.js';
import { backoffDelay } from '../util/backoff.js';
import { messageOf } from '../util/error-text.js';
import { BoundedSet } from '../util/bounded-set.js';
import { copyWith } from '../util/copy-with.js';

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

export const DEFAULT_RETRY: { rateLimited: RetryPolicy; network: RetryPolicy } = {
  // 1205 is WeChat saying "slow down": wait long and grow fast.
  rateLimited: { baseMs: 5_000, maxMs: 300_000, maxAttempts: 6 },
  network: { baseMs: 1_000, maxMs: 60_000, maxAttempts: 5 },
};

export interface OutboundQueueDeps {
  account: string;
  repo: OutboundRepo;
  /** The transport to send with now (a new one per login attempt). */
  transport: () => Transport;
  clock: Clock;
  log: Logger;
  pacing: PacingProfile | null;
  retry?: { rateLimited?: RetryPolicy; network?: RetryPolicy };
  /** Whether sends may go now (the account is online). */
  canSend(): boolean;
  /**
   * Commit the final states of settled rows (sent or failed), in one transaction: each written with
   * `markSettled(tx.outbound, record)` (settle-batch.ts), beside what follows from it (statistics,
   * webhook outbox, event log), in the order given. The queue batches them (see `SettleBatch`).
   */
  commitSettled(records: OutboundRecord[]): Promise<void>;
  /** Called for each row after that transaction committed. */
  onSettled?(record: OutboundRecord): void;
  /**
   * The store's `onGroupOpen`, where it has a group commit: the final states waiting for their batch are
   * written into each group that opens, sharing a COMMIT that is due anyway (issue 17).
   */
  onGroupOpen?(listener: () => void): () => void;
  /** Sends in flight at once (different chats) when pacing is off; default 8. Paced = always 1. */
  maxInFlight?: number;
  /**
   * When the last sync with WeChat completed (its own messages, echoes of our sends included, are
   * stored by then). A row whose hand-over has no known outcome waits for a sync after it.
   */
  lastSyncAt?(): number | undefined;
  /** A row waiting for the user longer than this (from its creation) fails. Default 48 h. */
  maxHoldMs?: number;
}

/** Server and local clocks differ: an echo may carry a time a little before the hand-over. */
const ECHO_SKEW_MS = 60_000;
/** Without syncs (a transport that reports none) a doubtful row is decided after this long. */
const ECHO_WAIT_MS = 30_000;
/**
 * A row's first hand-over this soon after its creation writes no mark (no COMMIT of its own before
 * the call, the dearest write of a send): after a crash, `load` treats the oldest queued row of each
 * chat as possibly handed since its creation and looks for its echo first. A later hand-over (a
 * retry, a row that waited in the queue) is committed before the call, so the echo is looked for
 * from close to the call, not from long before it.
 */
export const UNMARKED_HANDOVER_MS = 60_000;

interface Pending {
  record: OutboundRecord;
  /** Not before this time (back-off). */
  notBefore: number;
  /**
   * The hand-over's outcome is unknown: look for WeChat's echo once a sync completed `after` this
   * time (or, with no syncs reported, `ECHO_WAIT_MS` after `since`, when the waiting began).
   * `unmarked`: a crash cut off the process while the row may have been in its unmarked first
   * hand-over (so, most likely, it never was).
   */
  echo?: { after: number; since: number; unmarked?: boolean };
}

const SCAN_LIMIT = 200;
/**
 * Answers whose final states commit together at most, and how long the first of them waits at most
 * while other calls are under way. Meanwhile they ride along with the next group commit of anything
 * else (in a burst, the next sync's, which comes every few tens of milliseconds): a bound shorter
 * than the time between syncs gave most batches a COMMIT of their own (issue 17: a keep-alive burst
 * of 2,000 echoes made 101 COMMITs by the old 20 ms bound, against 65 that rode a group). Nothing
 * that waits for a final state sits out the bound: a send with no other call under way, `waitFor`
 * and `idle` commit the batch at once, a chat's next row within `SETTLE_HURRY_MS`.
 */
export const SETTLE_BATCH = 128;
export const SETTLE_MAX_DELAY_MS = 100;
/**
 * The bound when a chat's next row waits for the batch (the old bound for every batch): committing at once there gave
 * each reply to a busy group chat a COMMIT of its own (the connection-closing burst, where sends take longer).
 */
export const SETTLE_HURRY_MS = 20;
export const DEFAULT_MAX_HOLD_MS = 48 * 3_600_000;
const DEFAULT_MAX_IN_FLIGHT = 8;
const WOKEN = new Error('woken');
/** How many of its latest sends' WeChat ids the queue remembers (`sentHere`). */
const SENT_IDS_KEPT = 4096;

export class OutboundQueue {
  private pending: Pending[] = [];
  /** Rows waiting for the user to write again, per chat, in order. */
  private held = new Map<string, Pending[]>();
  /**
   * Wakes the worker from `sleepOrWake`: one field, not a set, as there is one worker loop at a time (`start`
   * makes none while one runs, `stop` awaits it). `wake` runs several times per send (each row joining, each
   * call ended, each send settled), nearly always with the worker busy: copying a set of wakers there made
   * an array each time (issue 17).
   */
  private waker: (() => void) | undefined;
  private waiters = new Map<string, Set<(r: OutboundRecord) => void>>();
  /** Waiters that also want to know when their row starts waiting for the user. */
  private holdWaiters = new Map<string, Set<(r: OutboundRecord) => void>>();
  private loop: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  /** Counts `stop()` calls: a start whose rows were still loading when one came starts no worker. */
  private stops = 0;
  /** The tail of `load` and `adopt` (see `intake`). */
  private intaking: Promise<void> = Promise.resolve();
  private abort: AbortController | undefined;
  /**
   * The WeChat ids of this queue's latest sends, for telling their echoes (which come back through the sync) from
   * own messages written elsewhere: a burst's worth, since an echo comes in the first sync after its send.
   */
  private readonly sentIds = new BoundedSet(SENT_IDS_KEPT);
  /** Sends in flight by row id (their 'sending' state lives here, not in SQLite). */
  private inFlight = new Map<string, Promise<void>>();
  /**
   * Chats with a send in flight: their next rows wait (per-chat order) until this one's final state
   * is committed, so that after a crash only the oldest queued row of a chat can have been handed
   * over unmarked (see `recovered`).
   */
  private busyChats = new Set<string>();
  /** Sends in flight whose call has ended and whose final state waits for its batch (their slots are free). */
  private settling = 0;
  /** The chats of those sends: a chat's next row that finds its chat here commits the batch (`pick`). */
  private settlingChats = new Set<string>();
  /** Stops the batch from riding along with the store's groups (while the worker runs). */
  private leaveGroups: (() => void) | undefined;
  /** Send calls under way (handed to the transport, not answered yet). */
  private calling = 0;
  private readonly batch: SettleBatch;
  private readonly maxInFlight: number;
  private idleWaiters: (() => void)[] = [];
  /** Rows written into a COMMIT still to come, to join the queue after it (`acceptWhenCommitted`). */
  private admitting = 0;
  /** Waiting for the sends in flight to have their answers (`callsEnded`). */
  private callWaiters: (() => void)[] = [];
  readonly pacer: Pacer;
  private retry: typeof DEFAULT_RETRY;

  constructor(private readonly deps: OutboundQueueDeps) {
    this.pacer = new Pacer(deps.pacing, deps.clock);
    this.retry = { ...DEFAULT_RETRY, ...deps.retry };
    // Pacing spaces sends out in time, so it is only meaningful one at a time.
    this.maxInFlight = deps.pacing ? 1 : Math.max(1, deps.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.batch = new SettleBatch({
      commit: (records) => deps.commitSettled(records),
      clock: deps.clock,
      maxSize: SETTLE_BATCH,
      maxDelayMs: SETTLE_MAX_DELAY_MS,
    });
  }

  /** Rows waiting to be sent (in memory). */
  get size(): number {
    return this.pending.length;
  }

  /**
   * Load queued rows (including ones a crash left 'sending') and start the worker. Idempotent. A `stop()`
   * while the rows load does not wait for them (they load behind the account's store calls, and a handover's
   * lease waits for the stop): the load then ends without a worker, so nothing is sent after the stop. A start
   * after such a stop loads again, after that load: rows read before the stop may have been sent since.
   */
  async start(): Promise<void> {
    if (this.loop) return;
    if (this.starting) return this.starting;
    const starting = (this.starting = this.startNow(this.stops));
    try {
      await starting;
    } finally {
      if (this.starting === starting) this.starting = undefined;
    }
  }

  private async startNow(stops: number): Promise<void> {
    await this.intake(() => this.load(stops));
    if (stops !== this.stops) return;
    this.leaveGroups = this.deps.onGroupOpen?.(() => this.batch.flush());
    const abort = (this.abort = new AbortController());
    this.loop = this.run(abort.signal).catch((e: unknown) => this.deps.log.error({ err: e }, 'outbound: worker stopped'));
  }

  /** Loading and adopting one at a time: a row is known to this queue (or not) across each of them as a whole. */
  private intake(step: () => Promise<void>): Promise<void> {
    const next = this.intaking.then(step);
    this.intaking = next.catch(() => {});
    return next;
  }

  /** The rows of the start made before `stops` stops; a stop meanwhile skips the calls not yet made (see `start`). */
  private async load(stops: number): Promise<void> {
    const { repo, account } = this.deps;
    // Stopped meanwhile: the rest is not asked for (each call waits its turn behind the account's store calls, and a
    // node stopping hundreds of accounts just taken would wait for all of them); the next start loads it all again.
    if (stops !== this.stops) return;
    if (this.deps.pacing) this.pacer.restoreSentToday(await repo.countSentSince(account, Math.floor(this.deps.clock.now() / 86_400_000) * 86_400_000));
    if (stops !== this.stops) return;
    const before = new Set(this.pending);
    const recovered = await repo.recover(account);
    if (stops !== this.stops) return;
    const queued = new Set(recovered.map((r) => r.id));
    // A row kept in memory from an earlier run here is no longer queued when another node sent it
    // meanwhile (the account ran there): it is dropped, not sent twice.
    this.pending = this.pending.filter((p) => !before.has(p) || queued.has(p.record.id));
    const known = new Set(this.pending.map((p) => p.record.id));
    const fresh = recovered.filter((r) => !known.has(r.id));
    const startedAt = this.deps.clock.now();
    const chats = new Set<string>();
    this.pending = [...fresh.map((record) => this.recovered(record, startedAt, chats)), ...this.pending];
    if (fresh.length) this.deps.log.info({ count: fresh.length }, 'outbound: resuming queued messages');
    this.held.clear();
    for (const record of await repo.held(account)) this.heldList(record.chatId).push({ record, notBefore: 0 });
  }

  /**
   * A row found queued at start. One handed to WeChat when the process died may have arrived: its
   * echo is looked for first. Marked rows say so (`handedAt`). An unmarked first hand-over
   * (`UNMARKED_HANDOVER_MS`) can only be the oldest queued row of its chat (one send per chat at a
   * time, in order; a row that failed once has `attempts` > 0 and marks its next hand-over), so that
   * one is looked for from its creation on. `recover` lists rows in order: the first of a chat wins.
   */
  private recovered(record: OutboundRecord, startedAt: number, chats: Set<string>): Pending {
    const first = !chats.has(record.chatId);
    chats.add(record.chatId);
    if (record.handedAt !== undefined) return { record, notBefore: 0, echo: { after: record.handedAt, since: startedAt } };
    if (!first || record.attempts > 0) return { record, notBefore: 0 };
    record.handedAt = record.createdAt;
    return { record, notBefore: 0, echo: { after: record.createdAt, since: startedAt, unmarked: true } };
  }

  /**
   * Resolves once no send is between its pick and WeChat's answer (their final states may still be
   * committing), or after `maxMs`. The account's stop waits for this before it stops the transport: a
   * call cut off under way leaves a send whose outcome is unknown, which an echo can settle on the
   * web but nothing can on iLink (docs/api.md "What a send promises").
   */
  callsEnded(maxMs: number): Promise<void> {
    if (this.inFlight.size - this.settling === 0 || maxMs <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = new AbortController();
      const done = (): void => {
        timer.abort(WOKEN);
        this.callWaiters = this.callWaiters.filter((w) => w !== done);
        resolve();
      };
      this.callWaiters.push(done);
      this.deps.clock.sleep(maxMs, timer.signal).then(done, () => {});
    });
  }

  private notifyCallsEnded(): void {
    if (this.callWaiters.length === 0 || this.inFlight.size - this.settling !== 0) return;
    for (const w of [...this.callWaiters]) w();
  }

  /** Stop the worker after the in-flight sends (if any) finish; a start still loading its rows starts none. Queued rows stay in SQLite. */
  async stop(): Promise<void> {
    this.stops++;
    this.starting = undefined;
    this.abort?.abort(new Error('outbound queue stopped'));
    this.wake();
    await this.loop;
    this.leaveGroups?.();
    this.leaveGroups = undefined;
    this.batch.flush();
    await Promise.all(this.inFlight.values());
    this.loop = undefined;
    this.abort = undefined;
  }

  /**
   * Commit a row and hand it to the worker. With an idempotency key already used, returns the
   * first record and queues nothing.
   */
  async enqueue(row: NewOutbound): Promise<OutboundRecord> {
    const { record, created } = await this.deps.repo.enqueue(row);
    if (!created) return record;
    return this.accept(record);
  }

  /**
   * A row another node committed for this account (a send accepted there, routed here): queue it
   * when it is still queued in the store and not already known here. Idempotent.
   */
  adopt(id: string): Promise<void> {
    return this.intake(async () => {
      if (this.knows(id)) return;
      const record = await this.deps.repo.get(id);
      if (record?.account !== this.deps.account || record.status !== 'queued' || this.knows(id)) return;
      await this.accept(record);
    });
  }

  private knows(id: string): boolean {
    return this.inFlight.has(id) || this.pending.some((p) => p.record.id === id) || this.heldRecords().some((r) => r.id === id);
  }

  /**
   * A row written into a COMMIT still to come (a reply sharing its message's COMMIT): it joins the queue once
   * `committed` resolves, and counts as queued for `idle` meanwhile. One async function, not a chain of `then` and
   * `finally` on the COMMIT: four promises and three closures fewer per reply (issue 17).
   */
  async acceptWhenCommitted(committed: Promise<void>, written: { record: OutboundRecord; created: boolean }): Promise<OutboundRecord> {
    this.admitting++;
    try {
      await committed;
      // Queued at once unless its chat waits for the user: no promise for the common case.
      if (written.created && !this.queueNow(written.record)) await this.holdBehind(written.record);
      return written.record;
    } finally {
      this.admitting--;
      this.notifyIdle();
    }
  }

  /** A committed row joins the queue: behind its chat's held rows, if any, else at the end. */
  private async accept(record: OutboundRecord): Promise<OutboundRecord> {
    if (!this.queueNow(record)) await this.holdBehind(record);
    return record;
  }

  /** Queue a committed row and wake the worker, unless earlier rows of its chat wait for the user (false: see `holdBehind`). */
  private queueNow(record: OutboundRecord): boolean {
    if (this.held.get(record.chatId)?.length) return false;
    this.pending.push({ record, notBefore: 0 });
    this.wake();
    return true;
  }

  /** Earlier rows of the row's chat wait for the user: it waits behind them (order kept). */
  private holdBehind(record: OutboundRecord): Promise<void> {
    const waiting = this.held.get(record.chatId)!;
    return this.holdRows([{ record, notBefore: 0 }], waiting[0]!.record.error ?? { message: 'waiting for the user to write again' });
  }

  /** A row with its live status ('sending' while in flight). */
  async get(id: string): Promise<OutboundRecord | undefined> {
    const r = await this.deps.repo.get(id);
    if (r && this.inFlight.has(id) && r.status === 'queued') r.status = 'sending';
    return r;
  }

  /**
   * Resolve when the row is sent or failed, or after `timeoutMs` with its current state. With
   * `untilHeld`, also as soon as it waits for the user (reply window, quota): a caller that reports
   * the outcome (the wechatbot-webhook answer) need not sit out the whole wait for a send that can
   * only go once the user writes.
   */
  async waitFor(id: string, timeoutMs = 60_000, o: { untilHeld?: boolean } = {}): Promise<OutboundRecord> {
    const current = await this.deps.repo.get(id);
    if (!current) throw new Error(`No outbound message ${id}`);
    if (current.status === 'sent' || current.status === 'failed') return current;
    if (o.untilHeld && current.status === 'waiting-for-user') return current;
    return new Promise<OutboundRecord>((resolve) => {
      const timer = new AbortController();
      let set = this.waiters.get(id);
      if (!set) this.waiters.set(id, (set = new Set()));
      let held: Set<(r: OutboundRecord) => void> | undefined;
      const done = (r: OutboundRecord): void => {
        set.delete(done);
        if (set.size === 0) this.waiters.delete(id);
        if (held) {
          held.delete(done);
          if (held.size === 0) this.holdWaiters.delete(id);
        }
        timer.abort(WOKEN);
        resolve(r);
      };
      set.add(done);
      // Its final state may be waiting for its batch: the caller does not wait for the batch's bound.
      if (this.settling) this.batch.flush();
      if (o.untilHeld) {
        held = this.holdWaiters.get(id);
        if (!held) this.holdWaiters.set(id, (held = new Set()));
        held.add(done);
      }
      this.deps.clock.sleep(timeoutMs, timer.signal).then(
        () =>
          this.deps.repo.get(id).then(
            (r) => done(r ?? current),
            () => done(current),
          ),
        () => {},
      );
    });
  }

  /**
   * Commit now the final states that wait for their batch. The bot calls it before it stores what it
   * received, so that the log has a send's `message.sent` before what arrived after its answer.
   */
  flushSettled(): void {
    this.batch.flush();
  }

  /** Resolve when nothing is queued or in flight (tests, shutdown). */
  idle(): Promise<void> {
    if (this.pending.length === 0 && this.inFlight.size === 0 && this.admitting === 0) return Promise.resolve();
    // Someone waits for the final states: they do not wait for the batch's bound.
    if (this.settling) this.batch.flush();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Rows waiting for the user (all chats), oldest first per chat. */
  heldRecords(): OutboundRecord[] {
    return [...this.held.values()].flat().map((p) => p.record);
  }

  /**
   * The user of `chatId` wrote: their held rows go back to the queue in order (the transport
   * decides again how many fit the fresh quota). Rows held longer than `maxHoldMs` fail instead.
   */
  async release(chatId: string): Promise<void> {
    const list = this.held.get(chatId);
    if (!list?.length) return;
    this.held.delete(chatId);
    const expired = this.expire(list);
    const fresh = list.filter((p) => p.record.status === 'waiting-for-user');
    // The writes are queued before any send of these rows can be recorded (one connection, in order).
    const writes = fresh.map((p) => this.deps.repo.markReleased(p.record.id));
    for (const p of fresh) {
      p.record.status = 'queued';
      delete p.record.heldAt;
      p.notBefore = 0;
    }
    this.pending.push(...fresh);
    if (fresh.length) this.deps.log.info({ chatId, count: fresh.length }, 'outbound: the user wrote; sending held messages');
    this.wake();
    await Promise.all([...writes, expired]);
  }

  /** Whether `wechatId` is the id WeChat gave one of this queue's latest sends (so a message with it is that send's echo). */
  sentHere(wechatId: string): boolean {
    return this.sentIds.has(wechatId);
  }

  /** Whether rows of `chatId` wait for the user (a check that costs no promise, before `release`). */
  holds(chatId: string): boolean {
    return (this.held.get(chatId)?.length ?? 0) > 0;
  }

  /** Wake the worker (new row, account back online). */
  wake(): void {
    this.waker?.();
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // Nothing held (nearly always): no await, no allocation per turn of the loop.
      const expiry = this.held.size ? await this.expireHeld() : undefined;
      if (this.pending.length === 0) {
        this.notifyIdle();
        await this.sleepOrWake(expiry, signal);
        continue;
      }
      if (!this.deps.canSend() || this.inFlight.size - this.settling >= this.maxInFlight) {
        // A finished send wakes the loop too.
        await this.sleepOrWake(expiry, signal);
        continue;
      }
      const index = this.pick();
      if (index < 0) {
        const wait = Math.min(this.pickDelay, expiry ?? Infinity);
        await this.sleepOrWake(wait === Infinity ? undefined : wait, signal);
        continue;
      }
      const jitter = this.pacer.jitter();
      if (jitter > 0) {
        try {
          await this.deps.clock.sleep(jitter, signal);
        } catch {
          break;
        }
      }
      const item = this.pending[index];
      // The row may have been moved by a concurrent enqueue only at the tail: index stays valid.
      if (!item) continue;
      // The first row nearly always: shift() returns it without the one-item array splice() makes per send (issue 17).
      if (index === 0) this.pending.shift();
      else this.pending.splice(index, 1);
      const { id, chatId } = item.record;
      this.pacer.consume(chatId);
      this.busyChats.add(chatId);
      const sending = this.sendInFlight(item, signal);
      this.inFlight.set(id, sending);
      // Paced: wait for this send before picking the next (the pacer decides the next moment).
      if (this.maxInFlight === 1) await sending;
    }
  }

  /**
   * One send of the worker's, from its pick to its final state, then its slot and chat freed. One async function,
   * not `.catch().finally()` on `sendOne`'s promise: three promises and two closures fewer per send (issue 17).
   */
  private async sendInFlight(item: Pending, signal: AbortSignal): Promise<void> {
    const { id, chatId } = item.record;
    try {
      await this.sendOne(item, signal);
    } catch (e) {
      this.deps.log.error({ err: e, id }, 'outbound: could not record a send');
    } finally {
      this.inFlight.delete(id);
      this.busyChats.delete(chatId);
      this.wake();
      this.notifyIdle();
      this.notifyCallsEnded();
    }
  }

  /**
   * The index of the first row whose chat is not blocked (per-chat order kept), or -1 with the shortest wait in
   * `pickDelay`. Runs once per send: it makes no object when the first row can go, as it nearly always can (the set
   * of chats already passed over is made with the first one; the wait is a field, not part of an answer object).
   */
  private pick(): number {
    const now = this.deps.clock.now();
    /** Chats whose oldest row was passed over: their later rows wait behind it. */
    let passed: Set<string> | undefined;
    let delay = Infinity;
    const n = Math.min(this.pending.length, SCAN_LIMIT);
    for (let i = 0; i < n; i++) {
      const p = this.pending[i]!;
      const chat = p.record.chatId;
      if (passed?.has(chat)) continue;
      if (this.busyChats.has(chat)) {
        // Its previous row waits for its batch only: this row waits for that COMMIT, not for the batch's long bound.
        if (this.settlingChats.has(chat)) this.batch.hurry(SETTLE_HURRY_MS);
        (passed ??= new Set()).add(chat);
        continue;
      }
      let wait = Math.max(p.notBefore - now, this.pacer.delay(chat));
      if (p.echo && !this.echoesIn(p.echo, now)) wait = Math.max(wait, 200);
      if (wait <= 0) return i;
      delay = Math.min(delay, wait);
      (passed ??= new Set()).add(chat);
    }
    // Infinity: every chat scanned has a send in flight, whose end wakes the loop (no timer needed).
    this.pickDelay = delay;
    return -1;
  }

  /** The shortest wait `pick` found when no row could go. */
  private pickDelay = Infinity;

  /** Whether a sync completed after the hand-over (so its echo would be stored by now), or waiting is pointless. */
  private echoesIn(echo: { after: number; since: number }, now: number): boolean {
    const synced = this.deps.lastSyncAt?.();
    return (synced !== undefined && synced > echo.after) || now - echo.since > ECHO_WAIT_MS;
  }

  /**
   * A row whose last hand-over has no known outcome: when WeChat's echo of it is stored, it reached
   * WeChat and is marked sent with the echo's MsgId instead of being sent again.
   */
  private async settleFromEcho(item: Pending): Promise<boolean> {
    const r = item.record;
    if (r.handedAt === undefined || !item.echo) return false;
    const unmarked = item.echo.unmarked === true;
    delete item.echo;
    const echo = await this.deps.repo.findEcho(r, r.handedAt - ECHO_SKEW_MS);
    if (echo === undefined) {
      // An unmarked row most likely never went out (it was only the oldest of its chat): nothing to warn about.
      if (!unmarked) this.deps.log.warn({ id: r.id }, 'outbound: a send cut off mid-call has no echo from WeChat (iLink gives none); sending it again');
      return false;
    }
    const record: OutboundRecord = { ...r, status: 'sent', wechatId: echo, sentAt: this.deps.clock.now() };
    delete record.error;
    await this.settle(record, true);
    this.deps.log.info({ id: r.id, wechatId: echo }, 'outbound: a send cut off mid-call had reached WeChat (its echo is here); not sent again');
    return true;
  }

  /** `stopping`: the worker's signal, aborted when the queue stops (and with it, soon, the transport). */
  private async sendOne(item: Pending, stopping: AbortSignal): Promise<void> {
    const { repo } = this.deps;
    const r = item.record;
    if (item.echo && (await this.settleFromEcho(item))) return;
    r.attempts++;
    // A crash from here on leaves a row that is checked against WeChat's echo before it is sent
    // again: marked (committed before the call), or a fresh row's first hand-over (see `recovered`).
    r.handedAt = this.deps.clock.now();
    if (r.attempts > 1 || r.handedAt - r.createdAt > UNMARKED_HANDOVER_MS) await repo.markHanded(r.id, r.handedAt, r.attempts);
    let sent: SentMessage;
    this.calling++;
    try {
      sent = await this.call(r);
    } catch (e) {
      this.calling--;
      const code = isTransportError(e) ? e.code : undefined;
      const error = { ...(code !== undefined && { code }), message: messageOf(e) };
      // A call the transport's stop cut off (iLink aborts its calls with the stop's reason, not a transport
      // error) ended like a network failure: no answer.
      const kind = isTransportError(e) ? e.kind : stopping.aborted ? 'network' : 'server';
      // A network failure (timeout, reset, lost answer) says nothing of whether WeChat has it.
      const outcomeUnknown = kind === 'network';
      if (outcomeUnknown) item.echo = { after: this.deps.clock.now(), since: this.deps.clock.now() };
      else delete r.handedAt;
      const policy = kind === 'rate-limited' ? this.retry.rateLimited : kind === 'network' ? this.retry.network : undefined;
      if (kind === 'waiting-for-user') {
        // Not the message's fault either: it waits, with every later row of its chat, for the user.
        r.attempts--;
        const chat = r.chatId;
        const behind = this.pending.filter((p) => p.record.chatId === chat);
        this.pending = this.pending.filter((p) => p.record.chatId !== chat);
        // The refused row is the chat's oldest (one send per chat at a time): this is the chat's order.
        await this.holdRows([item, ...behind], error);
        this.deps.log.info({ chatId: chat, count: behind.length + 1, why: error.message }, 'outbound: waiting for the user to write again');
        return;
      }
      if (kind === 'logged-out') {
        // Not the message's fault: keep it queued for the next session.
        r.attempts--;
        await repo.markRetry(r.id, error, r.attempts, r.handedAt);
        this.pending.unshift(item);
        this.deps.log.warn({ id: r.id }, 'outbound: session gone, message stays queued');
        return;
      }
      if (policy && r.attempts < policy.maxAttempts) {
        const wait = backoffDelay(r.attempts, { ...policy, jitter: 0.2 }, () => this.deps.clock.random());
        // Its hand-over recorded whenever WeChat may have it, a first one too (which wrote no mark before
        // the call): whoever sends the row next, here, after a restart or on the node that takes the account
        // over, looks for its echo first.
        await repo.markRetry(r.id, error, r.attempts, r.handedAt);
        r.error = error;
        item.notBefore = this.deps.clock.now() + wait;
        this.pending.unshift(item);
        this.deps.log.warn({ id: r.id, code, attempt: r.attempts, waitMs: wait }, 'outbound: send failed, will retry');
        return;
      }
      const record: OutboundRecord = { ...r, status: 'failed', error };
      await this.settle(record, true);
      this.deps.log.warn({ id: r.id, code, err: e }, 'outbound: send failed for good');
      return;
    }
    this.calling--;
    // WeChat has it. Outside the try: a store that cannot record it must not make it count as a failed
    // send (it stays queued in the store, and a restart finds its echo instead of sending it again).
    this.sentIds.add(sent.id);
    const record: OutboundRecord = copyWith(r, { status: 'sent' as const, wechatId: sent.id, sentAt: sent.sentAt || this.deps.clock.now() });
    delete record.error;
    await this.settle(record, true);
  }

  /**
   * Commit a row's final state with its batch, then tell the waiters. `inFlight`: the row is a send of
   * `inFlight` whose call has ended; its slot goes to another chat's send meanwhile, while its own chat
   * waits for the COMMIT.
   */
  private async settle(record: OutboundRecord, inFlight: boolean): Promise<void> {
    if (inFlight) {
      this.settling++;
      this.settlingChats.add(record.chatId);
      this.wake();
      this.notifyCallsEnded();
    }
    try {
      const committed = this.batch.add(record);
      // No call under way: no answer is coming to share the COMMIT with (a single send waits for nothing). Nor
      // does a send whose outcome someone waits for.
      if (this.calling === 0 || this.waiters.has(record.id)) this.batch.flush();
      await committed;
    } finally {
      if (inFlight) {
        this.settling--;
        this.settlingChats.delete(record.chatId);
      }
    }
    this.settled(record);
  }

  /** Not an async function: a text (nearly every send) is the transport's own promise, not one more around it. */
  private call(r: OutboundRecord): Promise<SentMessage> {
    const t = this.deps.transport();
    if (r.type === 'text') return t.sendText(r.chatId, r.text ?? '');
    return this.callWithPayload(t, r);
  }

  /** A send whose payload (file, forwarded message) is read from the store first. */
  private async callWithPayload(t: Transport, r: OutboundRecord): Promise<SentMessage> {
    const payload = await this.deps.repo.payload(r.id);
    if (r.type === 'forward') {
      if (!payload.message) throw new Error('forward: the stored message is missing');
      return t.forward(r.chatId, payload.message);
    }
    if (!payload.file) throw new Error(`${r.type}: the stored file is missing`);
    if (r.type === 'image') return t.sendImage(r.chatId, payload.file);
    if (r.type === 'video') return t.sendVideo(r.chatId, payload.file);
    return t.sendFile(r.chatId, payload.file);
  }

  private heldList(chatId: string): Pending[] {
    let list = this.held.get(chatId);
    if (!list) this.held.set(chatId, (list = []));
    return list;
  }

  /** Hold rows (persisted as 'waiting-for-user' with the reason), after the chat's held ones. */
  private async holdRows(rows: Pending[], error: { code?: number; message: string }): Promise<void> {
    const at = this.deps.clock.now();
    for (const p of rows) {
      Object.assign(p.record, { status: 'waiting-for-user', error, heldAt: at });
      this.heldList(p.record.chatId).push(p);
    }
    await Promise.all(rows.map((p) => this.deps.repo.markHeld(p.record.id, error, at, p.record.attempts)));
    for (const p of rows) for (const w of [...(this.holdWaiters.get(p.record.id) ?? [])]) w({ ...p.record });
  }

  /** Fail held rows older than the limit; returns ms until the next one expires (undefined: none). */
  private async expireHeld(): Promise<number | undefined> {
    let next: number | undefined;
    const now = this.deps.clock.now();
    const max = this.deps.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
    const work: Promise<void>[] = [];
    for (const [chat, list] of this.held) {
      work.push(this.expire(list));
      const left = list.filter((p) => p.record.status === 'waiting-for-user');
      if (left.length) this.held.set(chat, left);
      else this.held.delete(chat);
      for (const p of left) next = Math.min(next ?? Infinity, p.record.createdAt + max - now);
    }
    await Promise.all(work);
    return next === undefined ? undefined : Math.max(0, next);
  }

  /** Fail (and settle) the rows of `list` held longer than the limit. */
  private async expire(list: Pending[]): Promise<void> {
    const now = this.deps.clock.now();
    const max = this.deps.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
    for (const p of list) {
      const r = p.record;
      if (r.status !== 'waiting-for-user' || now - r.createdAt < max) continue;
      const hours = Math.round(max / 3_600_000);
      const error = {
        ...(r.error?.code !== undefined && { code: r.error.code }),
        message: `Not sent: waited more than ${hours} h for the user to write again (${r.error?.message ?? 'reply window closed'})`,
      };
      r.status = 'failed';
      const record: OutboundRecord = { ...r, error };
      delete record.heldAt;
      this.deps.log.warn({ id: r.id }, 'outbound: a held message expired');
      await this.settle(record, false);
    }
  }

  private settled(record: OutboundRecord): void {
    this.deps.onSettled?.(record);
    const set = this.waiters.get(record.id);
    if (set) for (const w of [...set]) w(record);
  }

  private notifyIdle(): void {
    if (this.pending.length || this.inFlight.size || this.admitting) return;
    const list = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of list) r();
  }

  /** Sleep `ms` (or until woken: undefined), or until woken. `stop()` wakes after aborting, so no abort listener is needed. */
  private sleepOrWake(ms: number | undefined, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : new AbortController();
      const done = (): void => {
        if (this.waker === done) this.waker = undefined;
        // A ready-made reason: abort() without one builds a DOMException with a stack each time.
        timer?.abort(WOKEN);
        resolve();
      };
      this.waker = done;
      if (timer) this.deps.clock.sleep(ms!, timer.signal).then(done, () => {});
    });
  }
}
