/**
 * One WeChat account on top of a Transport: its state, its directory, its events and its durable
 * outbound queue, and what it records through the repositories (messages, contacts, statistics).
 * What it receives is stored first and then announced ('message' …); it knows nothing of plugins:
 * the account's runtime (src/accounts) listens and runs the pipeline.
 */
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import type { Contact, Message } from '../transport/model.js';
import type { DeliveryKeys, SessionSnapshot, Transport, TransportEventName, TransportEvents } from '../transport/transport.js';
import { FencedOut, type Repos, type Store } from '../store/index.js';
import { dayOf } from '../util/day.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { BOT_EVENTS, type BotEvents } from './events.js';
import { NOTHING_WRITTEN, writeWith } from './event-writers.js';
import { BOT_ORIGIN_ROUTES, routeOf, TRANSPORT_EVENT_ROUTES } from './event-vocabulary.js';
import { Directory } from './directory.js';
import { uuidv7 } from './ids.js';
import { OutboundQueue, type RetryPolicy } from './outbound-queue.js';
import { markSettled } from './settle-batch.js';
import type { SendRouter } from './send-router.js';
import type { NewOutbound } from './outbound-record.js';
import { createContactOperations, type ContactOperations } from './contact-operations.js';
import { createMediaAccess, type MediaAccess } from './media-access.js';
import type { TransportCapabilities } from '../transport/capabilities.js';
import { requireCapability } from '../transport/capabilities.js';
import { TransportError } from '../transport/errors.js';
import { transportView } from './transport-view.js';
import { WriteFailures } from './write-failures.js';
import type { PacingProfile } from './pacing.js';
import type {
  Placement,
  AccountState,
  AccountStatus,
  BotEvent,
  BotEventType,
  BotHandle,
  BotInfo,
  ChatLabel,
  EventWriter,
  LoginRetry,
  OutboundRecord,
  OutgoingContent,
  SendOptions,
  SendTarget,
} from './types.js';
import { asError } from '../util/error-text.js';
import { BoundedSet } from '../util/bounded-set.js';

/** What the bot writes to: its repositories and the transaction port. */
export type BotRepos = Pick<Repos, 'messages' | 'directory' | 'outbound' | 'stats'> & Pick<Store, 'transaction' | 'onGroupOpen' | 'issued'>;

export interface BotDeps {
  id: string;
  name: string;
  enabled?: boolean;
  transport: Transport;
  repos: BotRepos;
  clock: Clock;
  log: Logger;
  /** `null` = SEND_PACING=off. */
  pacing: PacingProfile | null;
  retry?: { rateLimited?: RetryPolicy; network?: RetryPolicy };
  eventWriters?: EventWriter[];
  /** Fan-out to the AccountManager's listeners, after commit. */
  publish?: (e: BotEvent) => void;
  /** A message waiting for the user (iLink reply window) longer than this fails. Default 48 h. */
  maxHoldMs?: number;
  /** The transport's resumable state changed (iLink cursor, context tokens): save the session. */
  onSessionChanged?: () => void;
  /** In a cluster: sends accepted while another node runs the account go there. */
  router?: SendRouter;
  /**
   * Chats the pipeline handles at once (CHAT_CONCURRENCY). A batch the pipeline cannot take in one go (more chats,
   * or a chat twice) has its replies answered before their COMMIT (`enqueueWith`); default: every batch.
   */
  chatConcurrency?: number;
}

/** An account run elsewhere reads its chats from the store again after this long (to check send targets). */
const REMOTE_DIRECTORY_FRESH_MS = 2000;

/** A send target that matches nothing in the directory. */
export class TargetNotFoundError extends Error {
  override readonly name = 'TargetNotFoundError';
}

/** A batch of received messages on its way to the store (see `storeIncoming`). */
interface IncomingRun {
  batch: Message[];
  now: number;
  day: string;
  /** The messages stored now (not duplicates), with their events. */
  fresh: { m: Message; event: BotEvent }[];
  /** Whether the pipeline got `fresh` (`handOver`). */
  handed: boolean;
  /**
   * Whether `fresh` waits for its COMMIT in `uncommitted`. A flag, not an array of their ids: a literal `[]` and the
   * ids' array are two maps, and the second first seen after V8 optimised the store deoptimised it (issue 17).
   */
  waiting: boolean;
}

/** A message handed to the pipeline before its COMMIT: that COMMIT, and whether it was the only message of its sync. */
interface Uncommitted {
  commit: object;
  lone: boolean;
}

/**
 * What the bot does with a transport event before the vocabulary's route announces it: keep its
 * state and directory. It may return work for the journal transaction that records the event.
 */
type Bookkeeping = { [E in TransportEventName]?: (payload: TransportEvents[E]) => void | ((tx: Repos) => Promise<unknown>) };

export class Bot implements BotHandle {
  readonly id: string;
  readonly directory = new Directory();
  readonly queue: OutboundQueue;
  transport: Transport;
  /** Contact and room operations on the current transport, capability-checked (what plugins get). */
  readonly contacts: ContactOperations = createContactOperations(() => this.transport);
  /** Message media and avatars from the current transport (what the panel and the API serve). */
  readonly media: MediaAccess = createMediaAccess(() => this.transport);
  /** Event descriptions (for the panel and docs). */
  static readonly events = BOT_EVENTS;

  private readonly emitter: TypedEmitter<BotEvents>;
  private readonly repos: BotRepos;
  private state: BotInfo;
  /** Cluster: the node that runs the account, with the state it published when that is not this process. */
  private placement: Placement | undefined;
  private unsubscribe: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private incoming: Message[] = [];
  /** Batches taken from `incoming` and not yet stored. */
  private storing = 0;
  /** The keys marking each received message handled (iLink), written with its row. */
  private readonly deliveryKeys = new WeakMap<Message, DeliveryKeys>();
  /** Batches of received messages the current transport handed over that could not be stored. */
  private unstoredBatches = 0;
  /** The tail of the bot's writes, in order (see `write`). */
  private writes: Promise<void> = Promise.resolve();
  /** Messages handed to the pipeline whose COMMIT then failed: replies to them are refused (see `storeIncoming`). */
  private readonly unstored = new BoundedSet(1024);
  /** The `message.sent` event each settled record's batch wrote, until the queue announces the record (`onSettled`). */
  private readonly sentEvents = new WeakMap<OutboundRecord, BotEvent>();
  /** Messages handed to the pipeline whose rows wait for their group's COMMIT, with that COMMIT (see `storeIncoming`). */
  private readonly uncommitted = new Map<string, Uncommitted>();
  private today = '';
  private activeChats = new Set<string>();
  private ready = false;
  /** When `prepareSend` last read the directory of an account run elsewhere. */
  private remoteDirectoryAt = -Infinity;
  private readonly log: Logger;
  /** How a failed background write of this account's is logged (quietly once it was handed over); the runtime's traces too. */
  readonly writeFailures: WriteFailures;

  constructor(private readonly deps: BotDeps) {
    this.id = deps.id;
    this.repos = deps.repos;
    this.log = deps.log;
    this.writeFailures = new WriteFailures(deps.log);
    this.transport = deps.transport;
    this.state = { id: deps.id, name: deps.name, enabled: deps.enabled ?? true, state: 'stopped' };
    this.emitter = new TypedEmitter<BotEvents>((e, event) => this.log.error({ err: e, event }, 'bot event listener threw'));
    this.queue = new OutboundQueue({
      account: deps.id,
      repo: deps.repos.outbound,
      transport: () => this.transport,
      clock: deps.clock,
      log: deps.log.child({ ns: 'bot:outbound' }),
      pacing: deps.pacing,
      ...(deps.retry && { retry: deps.retry }),
      canSend: () => this.state.state === 'online',
      lastSyncAt: () => this.state.lastSyncAt,
      ...(deps.maxHoldMs !== undefined && { maxHoldMs: deps.maxHoldMs }),
      commitSettled: (records) => this.repos.transaction((tx) => this.recordSettled(tx, records)),
      ...(deps.repos.onGroupOpen && { onGroupOpen: (listener: () => void) => deps.repos.onGroupOpen!(listener) }),
      onSettled: (r) => {
        // The event its batch wrote to the journal, published as written (the same `at` as in the event log).
        const written = this.sentEvents.get(r);
        if (written) this.sentEvents.delete(r);
        this.emitter.emit('message-sent', r);
        this.deps.publish?.(written ?? this.event(BOT_ORIGIN_ROUTES['message-sent'].webhook, r.chatId, r));
      },
    });
    this.attach(deps.transport);
  }

  // ---- public surface ----

  get self(): Contact | undefined {
    return this.state.self ?? this.transport.self;
  }

  get capabilities(): TransportCapabilities {
    return this.transport.capabilities;
  }

  status(): AccountStatus {
    const { state, onlineSince, lastSyncAt } = this.state;
    return { state, ...(onlineSince !== undefined && { onlineSince }), ...(lastSyncAt !== undefined && { lastSyncAt }) };
  }

  /** A copy of the account's current state for the panel and the API (in a cluster, as the node running it says). */
  info(): BotInfo {
    const remote = this.placement?.info;
    // The account's name and whether it is enabled are the store's (this node's record); the rest is the running node's.
    if (remote) return { ...remote, id: this.id, name: this.state.name, enabled: this.state.enabled, node: this.placement!.node };
    const own = { ...this.state, ...transportView(this.transport, this.deps.clock.now()) };
    return this.placement ? { ...own, node: this.placement.node } : own;
  }

  /** Cluster: where the account runs now (undefined: nowhere known). Set by the manager, never by the account's own work. */
  place(placement: Placement | undefined): void {
    this.placement = placement;
  }

  /** iLink: the digits the phone shows after a scan, typed in the panel. */
  submitVerifyCode(code: string): void {
    if (!this.transport.submitVerifyCode) throw new TransportError('invalid', 'This account does not ask for a verification code.');
    this.transport.submitVerifyCode(code);
    delete this.state.verifyCode;
  }

  /** Record and announce an `account.logout` the manager decided on (the transport did not end the session itself). */
  raiseLogout(data: { reason: string; message: string }): void {
    this.commit('account.logout', undefined, data);
  }

  /**
   * Subscribe to one of this account's events (see `BOT_EVENTS`); returns the unsubscribe function.
   *
   * @example
   *   bot.on('message', (m) => console.log(m.senderName, m.text));
   */
  on<E extends keyof BotEvents>(event: E, listener: (payload: BotEvents[E]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  /** Whether `m` is WeChat's echo of a message this account's queue sent (an own message, not one written on the phone). */
  echoesOwnSend(m: Message): boolean {
    return m.isSelf && this.queue.sentHere(m.id);
  }

  /**
   * Queue a message. Resolves once the row is committed (status 'queued'); the queue sends it with
   * pacing. With an idempotency key already used on this account, returns the first record.
   *
   * @example
   *   const rec = await bot.send({ name: 'Alice' }, { type: 'text', text: 'hi' }, { source: 'api' });
   *   await bot.waitFor(rec.id);
   */
  async send(to: SendTarget, content: OutgoingContent, options: SendOptions = {}): Promise<OutboundRecord> {
    if (options.idempotencyKey !== undefined) {
      const existing = await this.repos.outbound.byIdempotencyKey(this.id, options.idempotencyKey);
      if (existing) return existing;
    }
    if (options.replyTo !== undefined && this.unstored.has(options.replyTo)) {
      throw new Error(`send: the message ${options.replyTo} this replies to could not be stored, so it is not answered`);
    }
    const chatId = this.resolveTarget(to);
    checkContent(content);
    this.checkCapabilities(chatId, content);
    const row = outboundRow(this.id, chatId, content, options, this.deps.clock.now());
    const replied = options.replyTo !== undefined && !options.source?.startsWith('plugin:');
    const router = this.deps.router;
    if (router && !router.local()) return router.route(row, { replied });
    const message = options.replyTo === undefined ? undefined : this.uncommitted.get(options.replyTo);
    const record = message ? await this.enqueueWith(message, row) : await this.queue.enqueue(row);
    if (replied) await this.repos.stats.add(this.id, dayOf(this.deps.clock.now()), 'replied');
    return record;
  }

  /**
   * A reply to a message whose row still waits for its COMMIT: when the reply's row is written into that
   * same COMMIT, this resolves at once, without waiting for it. A COMMIT keeps or loses both, so there is
   * nothing the wait would tell the plugin that the message's own fate does not; and the pipeline's lanes
   * can take the batch's next messages at once, whose replies then share the COMMIT too (one COMMIT per sync,
   * not one per `CHAT_CONCURRENCY` replies; issue 17). The queue gets the row only once it is committed, as
   * every row. A reply that lands in a later group (the message's group committed meanwhile) resolves after
   * its own COMMIT, as any send.
   *
   * A lone message (the only one of its sync) has nothing else coming to share its COMMIT: its reply commits
   * the group at once, instead of when the rest of the event loop's turn has run, and goes to WeChat straight
   * after (issue 17: latency). The reply then resolves once committed, as any send.
   */
  private async enqueueWith(message: Uncommitted, row: NewOutbound): Promise<OutboundRecord> {
    const issued = this.repos.issued;
    if (!issued) return this.queue.enqueue(row);
    const { value, commit: into, committed, commitNow } = await issued.outbound.enqueue(row);
    const queued = this.queue.acceptWhenCommitted(committed, value);
    if (into !== message.commit) return queued;
    if (message.lone) {
      commitNow();
      return queued;
    }
    // Resolved already when that COMMIT fails: `storeIncoming` reports it for the message, which took the reply along.
    queued.catch((e: unknown) => this.log.error({ err: e, replyTo: row.replyTo }, 'a reply was lost with the message it answers'));
    return value.record;
  }

  /**
   * Before a send's target is checked: an account another node runs has an empty directory here, so
   * its contacts and groups are read from the store (as the node that runs it last wrote them).
   */
  async prepareSend(): Promise<void> {
    const router = this.deps.router;
    if (!router || router.local() || this.deps.clock.now() - this.remoteDirectoryAt < REMOTE_DIRECTORY_FRESH_MS) return;
    const [contacts, rooms] = await Promise.all([this.repos.directory.contacts(this.id), this.repos.directory.rooms(this.id)]);
    this.directory.load(contacts, rooms);
    this.remoteDirectoryAt = this.deps.clock.now();
  }

  /** An outbound record with its live status ('sending' while in flight), or undefined. */
  outbound(id: string): Promise<OutboundRecord | undefined> {
    return this.queue.get(id);
  }

  /**
   * Resolve when an outbound message is sent or failed (or after `timeoutMs` with its current
   * state); with `untilHeld`, also once it waits for the user (iLink reply window or quota).
   */
  waitFor(outboundId: string, timeoutMs?: number, o?: { untilHeld?: boolean }): Promise<OutboundRecord> {
    const router = this.deps.router;
    if (router && !router.local()) return router.waitFor(outboundId, timeoutMs ?? 60_000, o ?? {});
    return this.queue.waitFor(outboundId, timeoutMs, o);
  }

  /**
   * Whether every message received so far is stored, once its batch has settled: false when a batch
   * the current transport handed over could not be stored. A session snapshot taken before this is
   * asked is saved only when true: its cursor (iLink) or sync key (web) has moved past those
   * messages, and must never be durable ahead of them (a crash in between would lose them for good).
   * Answers at once when no received message is on its way to the store.
   */
  storedSoFar(): boolean | Promise<boolean> {
    if (this.incoming.length === 0 && this.storing === 0) return this.unstoredBatches === 0;
    // A message received in this turn joins the write chain in a microtask (onMessage): wait for that first.
    return new Promise<void>((r) => queueMicrotask(r)).then(() => this.writes).then(() => this.unstoredBatches === 0);
  }

  /** Resolve when every message received so far is stored and announced (tests, shutdown). */
  idle(): Promise<void> {
    if (this.incoming.length === 0 && this.storing === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  // ---- lifecycle (driven by the AccountManager) ----

  /** Set the account state (and announce it). */
  setState(state: AccountState, detail?: string): void {
    const prev = this.state.state;
    this.state.state = state;
    if (detail !== undefined) this.state.detail = detail;
    else if (state === 'online' || state === 'starting') delete this.state.detail;
    if (state === 'online') {
      this.state.onlineSince ??= this.deps.clock.now();
      delete this.state.qr;
      delete this.state.scannedAvatar;
      this.queue.wake();
    } else delete this.state.onlineSince;
    if (prev === state && detail === undefined) return;
    const payload = { state, ...(this.state.detail !== undefined && { detail: this.state.detail }) };
    // One line per change, so an operator reading the log sees each account come and go. 'starting'
    // and 'failed' only at debug: the manager logs each failed attempt once, with its back-off.
    if (prev !== state) {
      const { contacts, rooms } = this.directory.size;
      const extra = state === 'online' ? ` (${contacts} contacts, ${rooms} rooms)` : payload.detail ? `: ${payload.detail}` : '';
      this.log[state === 'starting' || state === 'failed' ? 'debug' : 'info'](payload, `account ${this.state.name} ${state}${extra}`);
    }
    this.emitter.emit('state', payload);
    this.publish(BOT_ORIGIN_ROUTES.state.webhook, undefined, payload);
  }

  /** The login ladder waits before its next attempt (or no longer waits: undefined); announced to the panel like a state change. */
  setLoginRetry(retry: LoginRetry | undefined): void {
    if (retry) this.state.loginRetry = retry;
    else if (this.state.loginRetry) delete this.state.loginRetry;
    else return;
    const payload = { state: this.state.state, ...(this.state.detail !== undefined && { detail: this.state.detail }), ...(retry && { loginRetry: retry }) };
    this.publish('account.state', undefined, payload);
  }

  markLoginStarted(): void {
    this.state.loginStartedAt = this.deps.clock.now();
  }

  setEnabled(enabled: boolean): void {
    this.state.enabled = enabled;
  }

  /** Swap in a new transport (each login attempt gets a fresh session: cookie jar, keys, loops). */
  useTransport(transport: Transport): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.transport = transport;
    this.ready = false;
    this.unstoredBatches = 0;
    this.attach(transport);
  }

  /** The session snapshot to persist, if logged in. */
  snapshot(): SessionSnapshot | undefined {
    return this.transport.serialize();
  }

  /** Let what was received be stored, and the writes queued so far commit (shutdown). */
  async drain(): Promise<void> {
    await this.idle();
    await this.writes;
  }

  /**
   * Queue a write behind the bot's earlier writes: they commit in the order things happened, so an
   * event is never stored (or published) before the one that came first. A failure is logged (see WriteFailures).
   */
  private write(what: string, task: () => Promise<unknown>): void {
    this.writes = this.writes.then(task).then(
      () => {},
      (e: unknown) => this.writeFailures.failed(e, what),
    );
  }

  /** Emit an error event (plugin failures arrive here from the host). */
  reportError(error: Error & { plugin?: string }): void {
    this.emitter.emit('error', error);
  }

  // ---- transport events ----

  /**
   * Listen to a transport: for each event, the bot's bookkeeping runs first, then the event goes up
   * as its row in the event vocabulary says (re-emitted as a Bot event, recorded in the journal).
   */
  private attach(t: Transport): void {
    const keep = this.bookkeeping(t) as Record<TransportEventName, ((p: unknown) => void | ((tx: Repos) => Promise<unknown>)) | undefined>;
    for (const event of Object.keys(TRANSPORT_EVENT_ROUTES) as TransportEventName[]) {
      const route = routeOf(event);
      const own = keep[event];
      const relay = !route.afterStore && (route.bot !== undefined || route.webhook !== undefined);
      if (!own && !relay) continue;
      this.unsubscribe.push(
        t.on(event, (p) => {
          if (t !== this.transport) return;
          try {
            const extra = own?.(p);
            if (!relay) return;
            if (route.bot) this.emitter.emit(route.bot, p as never);
            if (route.webhook && !route.ownRecord) this.commit(route.webhook as BotEventType, route.chat?.(p), p, extra || undefined);
          } catch (err) {
            this.log.error({ err, event }, 'bot: handling a transport event failed');
          }
        }),
      );
    }
  }

  /** The bot's own work per transport event (state, directory, storage); announcing is `attach`'s. */
  private bookkeeping(t: Transport): Bookkeeping {
    return {
      qr: (qr) => {
        this.state.qr = qr;
        delete this.state.verifyCode;
        this.setState('waiting-scan');
      },
      scanned: (p) => {
        if (p.avatar !== undefined) this.state.scannedAvatar = p.avatar;
        this.setState('waiting-confirm');
      },
      step: ({ step }) => {
        if (step === 'waiting-scan') this.setState('waiting-scan');
        else if (step === 'waiting-confirm') this.setState('waiting-confirm');
        else if (step === 'online') this.setState('online');
        else if (this.state.state !== 'waiting-scan' && this.state.state !== 'waiting-confirm') this.setState('starting');
      },
      'verify-code': ({ retry }) => {
        this.state.verifyCode = { retry };
      },
      'session-changed': () => this.deps.onSessionChanged?.(),
      login: ({ self }) => {
        delete this.state.verifyCode;
        this.state.self = self;
        this.directory.putContact(self);
      },
      ready: () => {
        const book = t.addressBook?.();
        if (book) this.directory.share(book);
        else this.directory.load(t.contacts(), t.rooms());
        if (this.state.self) this.directory.putContact(this.state.self);
        const contacts = this.directory.contacts();
        const rooms = this.directory.rooms();
        this.write('store the directory', () => this.repos.directory.replaceAll(this.id, contacts, rooms));
        this.writeFailures.runsHere();
        this.ready = true;
        this.setState('online');
      },
      logout: (p) => {
        this.ready = false;
        // A login that failed never was logged in: the manager sets 'failed' (or 'needs-login') with the reason.
        if (p.reason !== 'login-failed') this.setState('logged-out', p.message ? `${p.reason}: ${p.message}` : p.reason);
      },
      message: (m) => {
        const keys = t.deliveryKeys?.(m);
        if (keys) this.deliveryKeys.set(m, keys);
        this.onMessage(m);
      },
      'contact-update': (c) => {
        const isNew = this.directory.putContact(c);
        const newFriend = isNew && this.ready && c.kind === 'friend';
        const day = dayOf(this.deps.clock.now());
        this.write('store a contact', () =>
          this.repos.transaction(async (tx) => {
            await tx.directory.upsertContact(this.id, c);
            if (newFriend) await tx.stats.add(this.id, day, 'newFriends');
          }),
        );
      },
      'self-update': (c) => {
        this.state.self = c;
        this.directory.putContact(c);
      },
      'contact-delete': ({ id }) => {
        this.directory.removeContact(id);
        this.write('delete a contact', () => this.repos.directory.deleteContact(this.id, id));
      },
      'room-update': (r) => {
        this.directory.putRoom(r);
        this.write('store a room', () => this.repos.directory.upsertRoom(this.id, r));
      },
      'room-delete': ({ id }) => {
        this.directory.removeRoom(id);
        this.write('delete a room', () => this.repos.directory.deleteRoom(this.id, id));
      },
      'room-topic': (tp) => {
        const room = this.directory.room(tp.roomId);
        if (room) this.directory.putRoom({ ...room, topic: tp.topic });
      },
      recall: (r) => (tx) => tx.messages.markRecalled(this.id, r.messageId),
      heartbeat: ({ at }) => {
        this.state.lastSyncAt = at;
      },
      error: (err) => {
        // A transport error while logged in is an event too (webhooks, the event stream; the
        // wechatbot-webhook callback's system_event_error). Before login the state tells enough.
        // Its row records itself (`ownRecord`): only while online, and in a form JSON keeps.
        if (this.state.state !== 'online') return;
        const code = (err as { code?: unknown }).code;
        this.commit(TRANSPORT_EVENT_ROUTES.error.webhook, undefined, { error: { name: err.name, message: err.message, ...(code !== undefined && { code }) } });
      },
    };
  }

  /**
   * Messages of one sync batch arrive in the same tick: they are stored together in one
   * transaction (with their statistics and outbox rows), then announced and queued for the
   * pipeline in order.
   */
  private onMessage(m: Message): void {
    this.incoming.push(m);
    if (this.incoming.length === 1) {
      queueMicrotask(() => {
        const batch = this.incoming;
        this.incoming = [];
        this.storing++;
        this.write('store incoming messages', () => this.storeIncoming(batch));
      });
    }
  }

  private async storeIncoming(batch: Message[]): Promise<void> {
    const now = this.deps.clock.now();
    const day = dayOf(now);
    if (day !== this.today) {
      this.today = day;
      this.activeChats.clear();
    }
    const run: IncomingRun = { batch, now, day, fresh: [], handed: false, waiting: false };
    // Sends answered before this batch arrived are logged before it (the gate keeps the order in which transactions are asked for).
    this.queue.flushSettled();
    try {
      // Two small closures around methods, not one large closure made anew per batch: one function for V8 to optimise.
      // (--trace-opt of a cold burst, issue 17: that closure was compiled two or three times; storeBatch still is one or
      // two times, when a full GC drops optimised code that held objects which died, "weak objects".)
      await this.repos.transaction((tx) => this.storeBatch(tx, run), { written: (_, commit) => this.handOver(run, commit) });
    } catch (e) {
      const fresh = run.fresh;
      if (run.waiting) for (const { m } of fresh) this.uncommitted.delete(m.id);
      // Nothing of the batch was stored. The pipeline must not act on messages we could not keep: a
      // reply it queued in the same group is lost with them; one it queues from now on is refused.
      if (run.handed) for (const { m } of fresh) this.unstored.add(m.id);
      // Refused because another node holds the account now: no fault, said once at info level (WriteFailures).
      if (e instanceof FencedOut) this.writeFailures.failed(e, 'store incoming messages');
      else this.log.error({ err: e, count: batch.length }, 'could not store incoming messages');
      this.emitter.emit('error', asError(e));
      this.unstoredBatches++;
      this.storing--;
      this.notifyIdle();
      return;
    }
    if (run.waiting) for (const { m } of run.fresh) this.uncommitted.delete(m.id);
    this.storing--;
    // Published (event stream, listeners) only once durable.
    for (const { event } of run.fresh) this.deps.publish?.(event);
    this.notifyIdle();
  }

  /** The rows of a batch of received messages, with their statistics and events, in the transaction `tx`. */
  private async storeBatch(tx: Repos, run: IncomingRun): Promise<void> {
    const writers = this.deps.eventWriters ?? [];
    const { now, day } = run;
    let received = 0;
    // The chats whose first message of the day this is: counted active with the batch's `received`, in one go.
    const newChats: string[] = [];
    for (const m of run.batch) {
      // The chat as the directory knows it, looked up once: its name goes with the message (the id is the session's and
      // changes at the next web login), and its stable identity, which outlives the login (the recent chats list one
      // person once across logins); the event's label is made of the same.
      const room = this.directory.room(m.chatId);
      const contact = room?.stableId ? undefined : this.directory.contact(m.chatId);
      const chat = room ? label(room.topic, room.stableId) : contact ? label(contact.remark || contact.name, contact.stableId) : undefined;
      const chatName = chat?.name || (m.roomId === undefined && !m.isSelf ? m.senderName : undefined);
      const chatStableId = room?.stableId ?? contact?.stableId;
      // Marked handled in the transaction that stores it: a crash before the commit leaves it unmarked, fetched and handled again.
      const delivery = this.deliveryKeys.get(m);
      if (delivery) await tx.seenKeys(this.id).remember(delivery.keys, delivery.at);
      if (!(await tx.messages.insert(this.id, m, chatName, chatStableId))) {
        // A duplicate delivery, handled already: what the transport opened on its arrival is undone.
        this.transport.storedBefore?.(m);
        continue;
      }
      const event = this.labelledEvent(TRANSPORT_EVENT_ROUTES.message.webhook, m.chatId, chat, m, now);
      run.fresh.push({ m, event });
      // Written by this account (phone, another device, or an echo of our own send): journalled so webhooks that ask
      // for self messages get them, but not counted as received.
      if (!m.isSelf) {
        received++;
        if (!this.activeChats.has(m.chatId)) {
          this.activeChats.add(m.chatId);
          newChats.push(m.chatId);
        }
      }
      const written = writeWith(writers, event, tx);
      if (written !== NOTHING_WRITTEN) await written;
    }
    if (received) await tx.stats.received(this.id, day, received, newChats);
  }

  /**
   * The pipeline takes the messages as soon as their rows are written, before the COMMIT: a reply it
   * queues meanwhile is written into the same group and commits with the message it answers, and its
   * wire send waits for that COMMIT (the queue sends only committed rows). One COMMIT turn from
   * receiving to sending instead of two; a crash before it keeps neither, so the message is handled
   * again after the restart (WeChat delivers it again from the saved sync key) and nothing was sent.
   */
  private handOver(run: IncomingRun, commit?: object): void {
    run.handed = true;
    const fresh = run.fresh;
    const lone = fresh.length === 1;
    if (commit && (lone || this.outrunsLanes(fresh))) {
      run.waiting = true;
      for (const { m } of fresh) this.uncommitted.set(m.id, { commit, lone });
    }
    for (const { m } of fresh) {
      // The peer wrote (a message stored now, not a copy of one stored before): what waited for them (iLink reply
      // window, quota) may go now, oldest first. A copy must not: the user did not write again.
      if (!m.isSelf && this.queue.holds(m.chatId))
        this.queue.release(m.chatId).catch((e: unknown) => this.log.error({ err: e }, 'outbound: could not release held messages'));
      this.emitter.emit(TRANSPORT_EVENT_ROUTES.message.bot, m);
    }
  }

  /**
   * Whether the pipeline must wait for some of these messages until others are done: then replies that waited for
   * their COMMIT would hold back the rest, and answering them before it lets the whole batch share it. A batch the
   * lanes take at once gains nothing, and answering early would put the plugins' remaining work before the COMMIT,
   * on the way to the wire (about 0.1 ms per message).
   */
  private outrunsLanes(fresh: { m: Message }[]): boolean {
    const lanes = this.deps.chatConcurrency;
    if (lanes === undefined) return true;
    if (fresh.length <= 1) return false;
    const chats = new Set(fresh.map(({ m }) => m.chatId)).size;
    return chats < fresh.length || chats > lanes;
  }

  private notifyIdle(): void {
    if (this.incoming.length !== 0 || this.storing !== 0) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  /**
   * An event of this account, stamped `at` (default now), with the chat's label when there is a chat. Built as one
   * literal per case, not with spreads: three events per echoed message, and each spread of a label cost two objects
   * more (issue 17: the garbage collector's share).
   */
  private event(type: BotEventType, chatId: string | undefined, data: unknown, at = this.deps.clock.now()): BotEvent {
    if (chatId === undefined) return { type, account: this.id, transport: this.transport.capabilities.kind, at, data };
    return this.labelledEvent(type, chatId, this.chatLabel(chatId), data, at);
  }

  /** An event about a chat whose label (if the directory knows the chat) was looked up already. */
  private labelledEvent(type: BotEventType, chatId: string, chat: ChatLabel | undefined, data: unknown, at: number): BotEvent {
    const transport = this.transport.capabilities.kind;
    return chat ? { type, account: this.id, transport, chatId, chat, at, data } : { type, account: this.id, transport, chatId, at, data };
  }

  /** The final states of a batch of sends, with their statistic and their `message.sent` events, in the order they settled. */
  private async recordSettled(tx: Repos, records: OutboundRecord[]): Promise<void> {
    let sent = 0;
    for (const r of records) {
      await markSettled(tx.outbound, r);
      if (r.status === 'sent') sent++;
      this.sentEvents.set(r, await this.writeEvent(tx, BOT_ORIGIN_ROUTES['message-sent'].webhook, r.chatId, r));
    }
    if (sent) await tx.stats.add(this.id, dayOf(this.deps.clock.now()), 'sent', sent);
  }

  private async writeEvent(tx: Repos, type: BotEventType, chatId: string | undefined, data: unknown): Promise<BotEvent> {
    const e = this.event(type, chatId, data);
    const written = writeWith(this.deps.eventWriters ?? [], e, tx);
    if (written !== NOTHING_WRITTEN) await written;
    return e;
  }

  /** The label of an event about this chat, when the directory knows it. */
  private chatLabel(chatId: string): ChatLabel | undefined {
    // Each field read once, without conditional spreads: the second read of `stableId` in a spread had no feedback
    // until the first chat with one, which then deoptimised the batch's store (issue 17).
    const room = this.directory.room(chatId);
    if (room) return label(room.topic, room.stableId);
    const c = this.directory.contact(chatId);
    if (c) return label(c.remark || c.name, c.stableId);
    return undefined;
  }

  private publish(type: BotEventType, chatId: string | undefined, data: unknown): void {
    this.deps.publish?.(this.event(type, chatId, data));
  }

  /** Store an event (and anything `extra` writes) in one transaction with the outbox rows, then publish it. */
  private commit(type: BotEventType, chatId: string | undefined, data: unknown, extra?: (tx: Repos) => Promise<unknown>): void {
    if (!extra && !this.deps.eventWriters?.length) {
      this.deps.publish?.(this.event(type, chatId, data));
      return;
    }
    this.write(`store the ${type} event`, async () => {
      const e = await this.repos.transaction(async (tx) => {
        await extra?.(tx);
        return this.writeEvent(tx, type, chatId, data);
      });
      this.deps.publish?.(e);
    });
  }

  /** A send the account's transport cannot make is refused now (UnsupportedError), not queued to fail. */
  private checkCapabilities(chatId: string, content: OutgoingContent): void {
    const caps = this.transport.capabilities;
    if (this.directory.room(chatId)) requireCapability(caps, 'rooms', 'send to a group');
    if (content.type === 'forward') requireCapability(caps, 'forward', 'forward');
    else if (content.type !== 'text') requireCapability(caps, `send-${content.type}`, `send a ${content.type}`);
  }

  private resolveTarget(to: SendTarget): string {
    if ('room' in to) requireCapability(this.transport.capabilities, 'rooms', 'send to a group');
    if ('id' in to) {
      if (!to.id) throw new TargetNotFoundError('send: empty target id');
      return this.directory.contact(to.id)?.id ?? this.directory.room(to.id)?.id ?? to.id;
    }
    if ('room' in to) {
      const r = this.directory.findRoom(to.room);
      if (!r) throw new TargetNotFoundError(`send: no room with topic or id "${to.room}"`);
      return r.id;
    }
    const c = this.directory.find(to.name);
    if (!c) throw new TargetNotFoundError(`send: no contact named "${to.name}" (nickname, remark, alias or id)`);
    return c.id;
  }
}

function label(name: string, stableId: string | undefined): ChatLabel {
  return stableId ? { name, stableId } : { name };
}

/**
 * The row of a send (content checked), its optional fields set one by one: a conditional spread of each cost an
 * object per field present, three for a plugin's reply (issue 17).
 */
function outboundRow(account: string, chatId: string, content: OutgoingContent, options: SendOptions, createdAt: number): NewOutbound {
  const row: NewOutbound = { id: uuidv7(), account, chatId, type: content.type, createdAt };
  if (content.type === 'text') row.text = content.text;
  else if (content.type === 'forward') {
    row.message = content.message;
    row.text = content.message.text;
  } else row.file = content.file;
  if (options.source !== undefined) row.source = options.source;
  if (options.replyTo !== undefined) row.replyTo = options.replyTo;
  if (options.idempotencyKey !== undefined) row.idempotencyKey = options.idempotencyKey;
  return row;
}

function checkContent(content: OutgoingContent): void {
  switch (content.type) {
    case 'text':
      if (typeof content.text !== 'string' || content.text.length === 0) throw new TypeError('send: text must be a non-empty string');
      return;
    case 'image':
    case 'video':
    case 'file':
      if (!content.file || !Buffer.isBuffer(content.file.data) || !content.file.name) {
        throw new TypeError(`send: ${content.type} needs a file with a name and data (Buffer)`);
      }
      return;
    case 'forward':
      if (!content.message?.id) throw new TypeError('send: forward needs a message');
      return;
    default:
      throw new TypeError(`send: unknown content type "${(content as { type: string }).type}"`);
  }
}
