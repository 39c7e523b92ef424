/**
 * WeChat's official bot API (iLink, ../shared/ilink.md) behind the Transport seam. One bot contact
 * bound to its owner: QR login (or a restored token: no scan), the `getupdates` long poll with the
 * official timing and back-off, exactly-once inbound (dedupe.ts), per-user context tokens with the
 * reply window and quota (peers.ts), one item per `sendmessage`, long text in pieces, media through
 * the AES CDN, typing. Errors become states: -14 ends the session at once and no call carries the
 * dead token again; -2 means "wait for the user"; -3 is a refusal with WeChat's text; an empty 200
 * is "not delivered".
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import { logFailure, silentLogger } from '../logger.js';
import { ILINK_CAPABILITIES, UnsupportedError, type Capability, type ReplyWindow, type TransportCapabilities } from '../transport/capabilities.js';
import { createTransportEmitter, type TransportEmitter } from '../transport/transport-emitter.js';
import { TransportError, isTransportError } from '../transport/errors.js';
import type { Contact, Message, Room, SentMessage } from '../transport/model.js';
import type {
  DeliveryKeys,
  FileToSend,
  SessionSnapshot,
  StartOptions,
  StopOptions,
  Transport,
  TransportEventName,
  TransportListener,
} from '../transport/transport.js';
import { systemClock, type Clock } from '../util/clock.js';
import { DEDUPE_TTL_MS, dedupeKeys, isDuplicate, memorySeenStore, type SeenStore } from './dedupe.js';
import { IlinkHttp, IlinkTimeoutError, STALE_TOKEN, answerCode } from './http.js';
import { decodeHandle, toMessage } from './inbound.js';
import { DEFAULT_QR_TUNING, QrLogin, type Credentials, type QrLoginTuning } from './login.js';
import { downloadMedia, uploadMedia, type CdnContext, type MediaKind } from './media.js';
import { Peers, peerKey, type PeerState } from './peers.js';
import { DEFAULT_CHUNK_LIMIT, splitText } from './split-text.js';
import { Typing } from './typing.js';
import { backoffDelay } from '../util/backoff.js';
import { SendsInFlight, turnEnd } from '../transport/sends-in-flight.js';
import { ITEM_TEXT, MESSAGE_STATE_FINISH, MESSAGE_TYPE_BOT, type WireGetUpdates, type WireItem, type WireSendAnswer, type WireStatus } from './wire.js';
import { asError, messageOf } from '../util/error-text.js';

import { ILINK_DEFAULT_BASE_URL, ILINK_DEFAULT_CDN_URL } from './endpoints.js';

export { ILINK_DEFAULT_BASE_URL, ILINK_DEFAULT_CDN_URL };

export interface IlinkTuning {
  /** Long-poll timeout until the server names one (`longpolling_timeout_ms`). */
  pollTimeoutMs: number;
  /** Added to the long-poll timeout on our side. */
  pollMarginMs: number;
  /** Pause after a failed poll, and after `errorsBeforeLongPause` in a row (official: 2 s, 3, 30 s). */
  errorPauseMs: number;
  errorsBeforeLongPause: number;
  longPauseMs: number;
  apiTimeoutMs: number;
  configTimeoutMs: number;
  cdnTimeoutMs: number;
  /** Characters per text piece, and the pause between pieces. */
  chunkLimit: number;
  chunkGapMs: number;
  /** Retries of a send after a network failure, with the same body and client_id. */
  sendRetries: number;
  sendRetryMs: number;
  /**
   * At stop, how long the poll in flight may take to end by itself before it is cut (wall time:
   * it bounds a shutdown). Under `server-ack` what the server answered is consumed when it answers,
   * so a poll cut while its answer is on the way loses those messages for good.
   */
  stopPollGraceMs: number;
  /**
   * After a start, sends wait for the first getupdates to be answered, for at most this long (wall
   * time). Messages that came while nobody polled (a failover) carry tokens newer than the saved
   * ones, and the server answers at once when messages wait, so the first answer brings the latest
   * token; a poll held this long says that none waited.
   */
  firstPollWaitMs: number;
  /**
   * After a getupdates that brought messages, how long the next one waits at most for the sends in flight (the
   * replies to them go first, transport/sends-in-flight.ts): the longest a message is kept waiting by our own sends.
   */
  sendsSettleMaxMs: number;
}

export const DEFAULT_ILINK_TUNING: IlinkTuning = {
  pollTimeoutMs: 35_000,
  pollMarginMs: 5_000,
  errorPauseMs: 2_000,
  errorsBeforeLongPause: 3,
  longPauseMs: 30_000,
  apiTimeoutMs: 15_000,
  configTimeoutMs: 10_000,
  cdnTimeoutMs: 120_000,
  chunkLimit: DEFAULT_CHUNK_LIMIT,
  chunkGapMs: 1_000,
  sendRetries: 2,
  sendRetryMs: 1_000,
  stopPollGraceMs: 1_500,
  firstPollWaitMs: 2_000,
  sendsSettleMaxMs: 500,
};

export interface IlinkTransportOptions {
  /** The iLink origin: QR login always, API calls unless the login names another (ILINK_BASE_URL). */
  baseUrl?: string;
  /** The CDN base (ILINK_CDN_URL). */
  cdnUrl?: string;
  /** weiroto's version (`channel_version`, `iLink-App-ClientVersion`). */
  version: string;
  clock?: Clock;
  log?: Logger;
  /** For API calls too when given (tests routing the real host names); else they go straight to node:http(s). CDN transfers use it or the global fetch. */
  fetch?: typeof fetch;
  /**
   * Where the keys of handled messages are read from (a restart must not answer twice); default
   * in memory. The client never writes them there: see `deliveryKeys`.
   */
  seen?: SeenStore;
  /** Tokens of other iLink accounts of this installation (for `binded_redirect`). */
  localTokens?: string[];
  replyWindow?: ReplyWindow;
  tuning?: Partial<IlinkTuning>;
  qr?: Partial<QrLoginTuning>;
  routeTag?: string;
}

interface IlinkSnapshot {
  kind: 'ilink';
  v: 1;
  token: string;
  botId: string;
  userId: string;
  baseUrl: string;
  cursor: string;
  peers: PeerState[];
}

function readSnapshot(s: SessionSnapshot | undefined): IlinkSnapshot | undefined {
  if (!s || s.kind !== 'ilink' || s.v !== 1) return undefined;
  const text = (k: string): string | undefined => (typeof s[k] === 'string' && s[k] !== '' ? (s[k] as string) : undefined);
  const token = text('token');
  const botId = text('botId');
  const baseUrl = text('baseUrl');
  if (!token || !botId || !baseUrl) return undefined;
  return {
    kind: 'ilink',
    v: 1,
    token,
    botId,
    baseUrl,
    userId: text('userId') ?? '',
    cursor: text('cursor') ?? '',
    peers: Array.isArray(s.peers) ? (s.peers as PeerState[]) : [],
  };
}

/** A real WeChat host name: a login that names one keeps an overridden origin (like WECHAT_ENDPOINT). */
const REAL_HOST = /(^|\.)(weixin|wechat)\.qq\.com$/;

/**
 * How long the keys of a message handed over are kept in memory: by then its holder has stored it
 * with them (the store answers for it), or failed to, and a copy of a message nobody stored is
 * worth handling.
 */
const RECENT_KEYS_MS = 10 * 60_000;

/** The longest a saved cursor lags behind when only empty polls moved it (see handleBatch). */
const CURSOR_SAVE_MS = 10 * 60_000;

export class IlinkTransport implements Transport {
  readonly capabilities: TransportCapabilities;
  private readonly events: TransportEmitter;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly http: IlinkHttp;
  private readonly fetchFn: typeof fetch;
  private readonly tuning: IlinkTuning;
  private readonly peers: Peers;
  private readonly seen: SeenStore;
  /** Keys of the messages handed over lately: a copy that comes before their holder stored them is still a copy. */
  private readonly recent = memorySeenStore();
  private recentPrunedAt = 0;
  /** Each message handed over, with its keys, until its holder asks for them. */
  private readonly keysOf = new WeakMap<Message, DeliveryKeys>();
  /** Each message handed over with its user's state before and after it: undone should the holder find it a copy. */
  private readonly opened = new WeakMap<Message, { before: PeerState | undefined; after: PeerState }>();
  private readonly typing: Typing;
  /** The `sendmessage` calls in flight: the next getupdates lets them finish first. */
  private readonly sends = new SendsInFlight();
  private readonly loginBase: string;
  private readonly cdnBase: string;
  private creds: Credentials | undefined;
  private cursor = '';
  private longPollMs: number;
  private ctrl: AbortController | undefined;
  private loop: Promise<void> | undefined;
  /** Sends wait for it: this run's first getupdates was answered (and its tokens taken), or waiting is over. */
  private firstPoll: Promise<void> = Promise.resolve();
  private openFirstPoll: () => void = () => {};
  /** The start signal of the run whose stop began: its poll loop starts no new poll. */
  private winding: AbortSignal | undefined;
  /** The last stop: a second `stop()` while it runs waits for it. */
  private stopping: Promise<void> | undefined;
  /** The last stop's options, as far as known: a `stop()` while it runs may add that the account moves on. */
  private stopNote: { handover: boolean } | undefined;
  private qrLogin: QrLogin | undefined;
  private lastPrune = 0;
  /** When this transport last asked for its session to be saved (session-changed). */
  private savedAt = 0;

  constructor(private readonly options: IlinkTransportOptions) {
    this.log = (options.log ?? silentLogger()).child({ ns: 'ilink' });
    this.clock = options.clock ?? systemClock;
    this.events = createTransportEmitter(this.log);
    this.tuning = { ...DEFAULT_ILINK_TUNING, ...options.tuning };
    this.longPollMs = this.tuning.pollTimeoutMs;
    this.fetchFn = options.fetch ?? fetch;
    this.http = new IlinkHttp({
      version: options.version,
      ...(options.fetch && { fetch: options.fetch }),
      ...(options.routeTag && { routeTag: options.routeTag }),
    });
    this.http.onStaleToken = (message) => this.tokenDied(message);
    const window = options.replyWindow ?? ILINK_CAPABILITIES.replyWindow!;
    this.capabilities = { ...ILINK_CAPABILITIES, replyWindow: window };
    this.peers = new Peers(window, () => this.clock.now());
    this.seen = options.seen ?? memorySeenStore();
    this.loginBase = options.baseUrl ?? ILINK_DEFAULT_BASE_URL;
    this.cdnBase = options.cdnUrl ?? ILINK_DEFAULT_CDN_URL;
    this.typing = new Typing({
      http: this.http,
      base: () => this.apiBase,
      peers: this.peers,
      clock: this.clock,
      log: this.log,
      timeoutMs: this.tuning.configTimeoutMs,
      signal: () => this.ctrl?.signal,
    });
  }

  // ---- identity ----

  get self(): Contact | undefined {
    return this.creds ? person(this.creds.botId, 'ClawBot', 'self') : undefined;
  }

  /** The WeChat user the bot is bound to. */
  get owner(): Contact | undefined {
    return this.creds?.userId ? person(this.creds.userId, 'Owner', 'friend') : undefined;
  }

  /** Reply window and quota per user (for the panel and the API). */
  replyState(): { id: string; lastInboundAt: number; sends: number; closed: boolean }[] {
    return this.peers.list().map(({ id, lastInboundAt, sends, closed }) => ({ id, lastInboundAt, sends, closed }));
  }

  on<E extends TransportEventName>(event: E, listener: TransportListener<E>): () => void {
    return this.events.on(event, listener);
  }

  private get apiBase(): string {
    return this.creds?.baseUrl ?? this.loginBase;
  }

  // ---- lifecycle ----

  async start(options: StartOptions = {}): Promise<void> {
    if (this.ctrl) throw new TransportError('invalid', 'start(): this transport is already running; stop() it first');
    const ctrl = (this.ctrl = new AbortController());
    const outer = options.signal;
    if (outer) {
      if (outer.aborted) ctrl.abort(outer.reason);
      else outer.addEventListener('abort', () => void this.stop(), { once: true });
    }
    const snap = readSnapshot(options.session);
    if (options.session && !snap) this.log.warn('saved iLink session is not readable; a new scan is needed');
    try {
      if (snap) {
        this.events.emit('step', { step: 'restoring' });
        this.creds = { token: snap.token, botId: snap.botId, userId: snap.userId, baseUrl: snap.baseUrl };
        this.cursor = snap.cursor;
        this.peers.restore(snap.peers);
      } else {
        if ((options.maxQrCodes ?? 1) <= 0) throw new TransportError('logged-out', 'iLink: no saved session and new QR logins are not allowed');
        this.creds = await this.scan(options, ctrl.signal);
        // A new binding starts over: the old cursor and tokens belong to another session.
        this.cursor = '';
        this.peers.clear();
      }
    } catch (err) {
      this.ctrl = undefined;
      this.qrLogin = undefined;
      if (ctrl.signal.aborted) throw new TransportError('invalid', 'start() was stopped before the session came online', undefined, { cause: err });
      const te = isTransportError(err) ? err : new TransportError('server', `iLink login failed: ${messageOf(err)}`, undefined, { cause: err });
      this.events.emit('logout', { reason: 'login-failed', ...(te.code !== undefined && { code: te.code }), message: te.message });
      throw te;
    }
    this.qrLogin = undefined;
    this.http.setToken(this.creds.token);
    this.events.emit('step', { step: 'loading' });
    this.events.emit('login', { self: this.self! });
    this.savedAt = this.clock.now();
    this.events.emit('session-changed', { at: this.savedAt });
    await this.notify('ilink/bot/msg/notifystart', ctrl.signal);
    if (!this.http.hasToken) throw new TransportError('logged-out', 'iLink: the bot token is dead (-14); scan again', STALE_TOKEN);
    this.events.emit('ready', { contacts: this.owner ? 1 : 0, rooms: 0 });
    this.gateSendsOnFirstPoll();
    this.events.emit('step', { step: 'online' });
    this.loop = this.pollLoop(ctrl.signal);
  }

  private gateSendsOnFirstPoll(): void {
    let open: () => void = () => {};
    this.firstPoll = new Promise<void>((resolve) => (open = resolve));
    const timer = setTimeout(open, this.tuning.firstPollWaitMs).unref();
    this.openFirstPoll = () => {
      clearTimeout(timer);
      open();
    };
  }

  private async scan(options: StartOptions, signal: AbortSignal): Promise<Credentials> {
    this.events.emit('step', { step: 'waiting-scan' });
    const login = new QrLogin({
      http: this.http,
      loginBase: this.loginBase,
      defaultBaseUrl: this.loginBase,
      clock: this.clock,
      tuning: { ...DEFAULT_QR_TUNING, ...this.options.qr, ...(options.maxQrCodes !== undefined && { maxQrCodes: options.maxQrCodes }) },
      ...(this.options.localTokens && { localTokens: this.options.localTokens }),
      onQr: (qr) => this.events.emit('qr', qr),
      onScanned: () => {
        this.events.emit('scanned', {});
        this.events.emit('step', { step: 'waiting-confirm' });
      },
      onVerifyCode: (qrId, retry) => this.events.emit('verify-code', { qrId, retry }),
      signal,
    });
    this.qrLogin = login;
    const creds = await login.run();
    return { ...creds, baseUrl: this.keepOverride(creds.baseUrl) };
  }

  /** With ILINK_BASE_URL pointing elsewhere, a login naming a real WeChat host keeps our origin. */
  private keepOverride(baseUrl: string): string {
    if (this.loginBase === ILINK_DEFAULT_BASE_URL) return baseUrl;
    try {
      return REAL_HOST.test(new URL(baseUrl).hostname) ? this.loginBase : baseUrl;
    } catch {
      return this.loginBase;
    }
  }

  submitVerifyCode(code: string): void {
    if (!this.qrLogin) throw new TransportError('invalid', 'No iLink login is waiting for a verification code.');
    this.qrLogin.submitCode(code);
  }

  stop(options: StopOptions = {}): Promise<void> {
    const ctrl = this.ctrl;
    // Already stopping (the start signal's abort began it): resolve when that stop ends, its poll's messages handed
    // over. A handover is noted for that stop too: it reads it when it would notify.
    if (!ctrl) {
      if (options.handover && this.stopNote) this.stopNote.handover = true;
      return this.stopping ?? Promise.resolve();
    }
    this.ctrl = undefined;
    this.openFirstPoll();
    const note = (this.stopNote = { handover: options.handover === true });
    this.stopping = (async () => {
      await this.endPoll(ctrl.signal);
      ctrl.abort(new Error('iLink transport stopped'));
      await this.loop?.catch(() => {});
      this.loop = undefined;
      this.typing.clear();
      // Tell the server we are gone (only with a live token: never the dead one), unless the bot goes on elsewhere.
      if (this.http.hasToken && !note.handover) await this.notify('ilink/bot/msg/notifystop');
    })();
    return this.stopping;
  }

  /**
   * Stop polling, and let the poll in flight end by itself (its messages are handed over and
   * stored before the account lets go) for at most `stopPollGraceMs`. Only then may it be cut, and
   * not before an answer already on our socket was read: the server counts the messages of an
   * answer it wrote as consumed (`server-ack`), so cutting the poll under it would lose them.
   */
  private async endPoll(signal: AbortSignal): Promise<void> {
    this.winding = signal;
    const loop = this.loop;
    if (!loop) return;
    const grace = new AbortController();
    const timer = sleep(this.tuning.stopPollGraceMs, undefined, { signal: grace.signal }).catch(() => {});
    const ended = await Promise.race([
      loop.then(
        () => true,
        () => true,
      ),
      timer.then(() => false),
    ]);
    grace.abort();
    // An answer that reached us while this process was busy is read in the next I/O phase: let it land.
    if (!ended) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** iLink has no logout call: say goodbye, forget the token; the next start needs a scan. */
  async logout(): Promise<void> {
    await this.stop();
    this.forget();
    this.events.emit('logout', { reason: 'requested' });
  }

  serialize(): SessionSnapshot | undefined {
    if (!this.creds || !this.http.hasToken) return undefined;
    const snap: IlinkSnapshot = { kind: 'ilink', v: 1, ...this.creds, cursor: this.cursor, peers: this.peers.toJSON() };
    return snap as unknown as SessionSnapshot;
  }

  private forget(): void {
    this.http.setToken(undefined);
    this.creds = undefined;
    this.cursor = '';
    this.peers.clear();
    this.typing.clear();
  }

  /** -14 on any call: stop everything now, forget the token and say a new scan is needed. */
  private tokenDied(message: string): void {
    this.openFirstPoll();
    this.ctrl?.abort(new Error('iLink token died'));
    this.ctrl = undefined;
    const creds = this.creds;
    this.creds = undefined;
    this.cursor = '';
    this.peers.clear();
    this.typing.clear();
    this.log.warn({ bot: creds?.botId }, 'ilink: the bot token is dead (-14); the account needs a new scan');
    this.events.emit('logout', { reason: 'token-expired', code: STALE_TOKEN, message });
  }

  private async notify(path: string, signal?: AbortSignal): Promise<void> {
    try {
      const ans = await this.http.post<WireStatus>(this.apiBase, path, {}, { timeoutMs: this.tuning.configTimeoutMs, ...(signal && { signal }) });
      if (!ans.empty && answerCode(ans.body) !== 0) this.log.info({ path, ret: answerCode(ans.body) }, 'ilink: notify answered non-zero');
    } catch (e) {
      this.log.info({ err: e, path }, 'ilink: notify failed');
    }
  }

  // ---- receiving ----

  private async pollLoop(signal: AbortSignal): Promise<void> {
    let failures = 0;
    // `winding`: this run's stop began; the poll in flight ends, and no other starts.
    while (!signal.aborted && this.winding !== signal) {
      try {
        const ans = await this.http.post<WireGetUpdates>(
          this.apiBase,
          'ilink/bot/getupdates',
          { get_updates_buf: this.cursor },
          { timeoutMs: this.longPollMs + this.tuning.pollMarginMs, signal },
        );
        if (ans.empty) throw new TransportError('network', 'iLink getupdates: empty answer');
        const code = answerCode(ans.body);
        if (code !== 0) throw new TransportError('server', `iLink getupdates: ret ${code} ${ans.body.errmsg ?? ''}`.trim(), code);
        failures = 0;
        if ((ans.body.longpolling_timeout_ms ?? 0) > 0) this.longPollMs = ans.body.longpolling_timeout_ms!;
        const brought = await this.handleBatch(ans.body);
        this.openFirstPoll();
        this.events.emit('heartbeat', { at: this.clock.now() });
        // The replies to what it brought go before the next poll (a lone message's is written within this turn on
        // SQLite), and those still under way are waited for, bounded: a poll that went first gained nothing (the
        // server holds it) and came before them at the server (issue 17: latency).
        if (brought) {
          await turnEnd();
          if (this.sends.size > 0) await this.sends.settled(this.tuning.sendsSettleMaxMs, this.clock, signal);
        }
      } catch (e) {
        // Failed or ran out: whatever waited was not handed to us, the tokens we hold are the latest we can have.
        this.openFirstPoll();
        if (signal.aborted) return;
        // The long poll ran out: normal, ask again at once with the same cursor.
        if (e instanceof IlinkTimeoutError) continue;
        if (isTransportError(e) && e.code === STALE_TOKEN) return;
        // Stopping: no pause, no other poll.
        if (this.winding === signal) return;
        failures++;
        const long = failures >= this.tuning.errorsBeforeLongPause;
        logFailure(this.log, e, { failures }, long ? 'ilink: getupdates keeps failing; pausing' : 'ilink: getupdates failed');
        if (long) {
          failures = 0;
          this.events.emit('error', asError(e));
        }
        try {
          await this.clock.sleep(long ? this.tuning.longPauseMs : this.tuning.errorPauseMs, signal);
        } catch {
          return;
        }
      }
    }
  }

  /** Hand over the answer's new messages; whether there were any. */
  private async handleBatch(body: WireGetUpdates): Promise<boolean> {
    const now = this.clock.now();
    const botId = this.creds?.botId ?? '';
    let changed = false;
    for (const wm of body.msgs ?? []) {
      const keys = dedupeKeys(wm);
      if ((await isDuplicate(this.recent, keys, now)) || (await isDuplicate(this.seen, keys, now))) {
        this.log.debug({ seq: wm.seq }, 'ilink: a copy of a message already handled');
        if (wm.from_user_id) this.peers.onCopy(wm.from_user_id, wm.context_token, wm.create_time_ms);
        continue;
      }
      await this.recent.remember(keys, now);
      const message = toMessage(wm, botId, now);
      if (!message) continue;
      // Messages carry the sender's name on both transports (webhooks, templates); iLink's one sender is the owner.
      const owner = this.owner;
      if (owner && message.senderId === owner.id) message.senderName = owner.name;
      // The newest token, the window and the quota are set before anyone answers.
      const before = this.peers.get(message.chatId);
      this.opened.set(message, {
        before,
        after: this.peers.onInbound(message.chatId, wm.context_token, now, typeof wm.create_time_ms === 'number' ? wm.create_time_ms : undefined),
      });
      changed = true;
      if (keys.length) this.keysOf.set(message, { keys, at: now });
      this.events.emit('message', message);
    }
    const next = body.get_updates_buf || body.sync_buf;
    const moved = next !== undefined && next !== '' && next !== this.cursor;
    if (moved) this.cursor = next;
    // The server hands out a new cursor with every answer, empty or not (§4.1): a held poll that
    // ends empty (every ~35 s per account) asks for no save. A cursor with nothing new behind it
    // loses nothing when an older one is resumed after a crash; it is saved with the next message,
    // at stop, and at least every CURSOR_SAVE_MS so that the saved one never grows very old.
    if (changed || (moved && now - this.savedAt >= CURSOR_SAVE_MS)) {
      this.savedAt = now;
      this.events.emit('session-changed', { at: now });
    }
    if (now - this.recentPrunedAt >= RECENT_KEYS_MS / 10) {
      this.recentPrunedAt = now;
      await this.recent.prune(now - RECENT_KEYS_MS);
    }
    if (now - this.lastPrune > 3_600_000) {
      this.lastPrune = now;
      await this.seen.prune(now - DEDUPE_TTL_MS);
    }
    return changed;
  }

  /** The dedupe keys of a message this client handed over: stored with the message, they mark it handled. */
  deliveryKeys(message: Message): DeliveryKeys | undefined {
    return this.keysOf.get(message);
  }

  storedBefore(message: Message): void {
    const o = this.opened.get(message);
    this.opened.delete(message);
    if (o) this.peers.undoInbound(o.before, o.after);
  }

  // ---- sending ----

  sendText(to: string, text: string): Promise<SentMessage> {
    const chunks = splitText(text, this.tuning.chunkLimit);
    if (chunks.length === 0) return Promise.reject(new TransportError('invalid', 'iLink: cannot send an empty text'));
    return this.withQuota(to, chunks.length, async (peer) => {
      let first: SentMessage | undefined;
      for (let i = 0; i < chunks.length; i++) {
        if (i > 0) await this.clock.sleep(this.tuning.chunkGapMs, this.ctrl?.signal);
        const sent = await this.post(peer, { type: ITEM_TEXT, text_item: { text: chunks[i]! } }, chunks.length - i);
        first ??= sent;
      }
      return first!;
    });
  }

  sendImage(to: string, file: FileToSend): Promise<SentMessage> {
    return this.sendMedia(to, 'image', file);
  }

  sendVideo(to: string, file: FileToSend): Promise<SentMessage> {
    return this.sendMedia(to, 'video', file);
  }

  sendFile(to: string, file: FileToSend): Promise<SentMessage> {
    return this.sendMedia(to, 'file', file);
  }

  private sendMedia(to: string, kind: MediaKind, file: FileToSend): Promise<SentMessage> {
    if (file.data.length === 0) return Promise.reject(new TransportError('invalid', `iLink: cannot send an empty ${kind}`));
    return this.withQuota(to, 1, async (peer) => {
      let item: WireItem;
      try {
        item = await uploadMedia(this.cdn(), peer.id, kind, file);
      } catch (e) {
        this.peers.refund(peer.id, 1);
        throw e;
      }
      return this.post(peer, item, 1);
    });
  }

  /** Check the target and take the sends from the user's quota (or throw 'waiting-for-user'). */
  private async withQuota(to: string, sends: number, fn: (peer: PeerState & { contextToken: string }) => Promise<SentMessage>): Promise<SentMessage> {
    if (!this.creds || !this.http.hasToken) throw new TransportError('logged-out', 'iLink: not logged in');
    if (!this.peers.get(to) && peerKey(to) !== peerKey(this.creds.userId)) {
      throw new TransportError('rejected', `iLink can only write to the user it is bound to, not ${to}`);
    }
    await this.firstPoll;
    if (!this.http.hasToken) throw new TransportError('logged-out', 'iLink: not logged in');
    return fn(this.peers.reserve(to, sends));
  }

  /**
   * One `sendmessage` with one item. Network failures are retried with the same body and
   * client_id; a refusal gives back the sends that did not go out (`unsent`, this one included).
   */
  private async post(peer: PeerState & { contextToken: string }, item: WireItem, unsent: number): Promise<SentMessage> {
    const msg = {
      from_user_id: '',
      to_user_id: peer.id,
      client_id: this.newClientId(),
      message_type: MESSAGE_TYPE_BOT,
      message_state: MESSAGE_STATE_FINISH,
      item_list: [item],
      // The latest token held for the user when the request leaves (§6.2.4), not the one of the reservation.
      context_token: this.peers.get(peer.id)?.contextToken ?? peer.contextToken,
    };
    for (let attempt = 0; ; attempt++) {
      try {
        const signal = this.ctrl?.signal;
        const ans = await this.sends.track(
          this.http.post<WireSendAnswer>(this.apiBase, 'ilink/bot/sendmessage', { msg }, { timeoutMs: this.tuning.apiTimeoutMs, ...(signal && { signal }) }),
        );
        if (ans.empty) {
          this.peers.refund(peer.id, unsent);
          throw new TransportError('not-delivered', 'iLink sendmessage: HTTP 200 with an empty body; WeChat did not deliver the message');
        }
        const code = answerCode(ans.body);
        // Newer servers name the message (2.4.9 reads an optional `message_id`); else our client_id is its id.
        const serverId = ans.body.message_id;
        const clientId = msg.client_id;
        const id = typeof serverId === 'string' || typeof serverId === 'number' ? String(serverId) : clientId;
        if (code === 0) return { id, clientId, to: peer.id, sentAt: this.clock.now() };
        this.peers.refund(peer.id, unsent);
        const said = ans.body.errmsg ?? '';
        if (code === -2 && /rate/i.test(said)) throw new TransportError('rate-limited', `iLink sendmessage: WeChat is rate limiting (ret -2 "${said}")`, -2);
        if (code === -2) throw this.peers.close(peer.id);
        if (code === -3) throw new TransportError('rejected', `WeChat refused the message: ${said || 'invalid arguments'} (ret -3)`, -3);
        throw new TransportError('server', `iLink sendmessage: ret ${code} ${said}`.trim(), code);
      } catch (e) {
        const retry = isTransportError(e) && e.kind === 'network' && attempt < this.tuning.sendRetries && this.ctrl && !this.ctrl.signal.aborted;
        if (!retry) throw e;
        // ilink.md §6: the same body again after 1 s, then 2 s (no jitter: two retries at most).
        const { sendRetryMs, sendRetries } = this.tuning;
        await this.clock.sleep(backoffDelay(attempt + 1, { baseMs: sendRetryMs, maxMs: sendRetryMs * 2 ** sendRetries, jitter: 0 }), this.ctrl?.signal);
      }
    }
  }

  /** Unique per request (§6.1): our id of the message, since the server returns none. */
  private newClientId(): string {
    return `weiroto:${this.clock.now()}-${randomBytes(4).toString('hex')}`;
  }

  private cdn(): CdnContext {
    const signal = this.ctrl?.signal;
    return {
      http: this.http,
      apiBase: this.apiBase,
      cdnBase: this.cdnBase,
      fetch: this.fetchFn,
      apiTimeoutMs: this.tuning.apiTimeoutMs,
      cdnTimeoutMs: this.tuning.cdnTimeoutMs,
      ...(signal && { signal }),
    };
  }

  async download(message: Message): Promise<Buffer> {
    if (!message.media?.mediaId) throw new TransportError('invalid', `iLink: message ${message.id} has no media to download`);
    let handle;
    try {
      handle = decodeHandle(message.media.mediaId);
    } catch (e) {
      throw new TransportError('invalid', `iLink: message ${message.id}: ${messageOf(e)}`);
    }
    return downloadMedia(this.cdn(), handle);
  }

  async setTyping(chatId: string, typing: boolean): Promise<void> {
    if (!this.creds || !this.http.hasToken) return;
    await this.typing.set(chatId, typing);
  }

  // ---- the one peer; everything a bot contact cannot do ----

  contacts(): Contact[] {
    const o = this.owner;
    return o ? [o] : [];
  }

  rooms(): Room[] {
    return [];
  }

  contact(id: string): Contact | undefined {
    const o = this.owner;
    return o && peerKey(o.id) === peerKey(id) ? o : undefined;
  }

  room(): Room | undefined {
    return undefined;
  }

  /** iLink has no read state to report; nothing to do. */
  async markRead(): Promise<void> {}

  refreshRoom(): Promise<Room | undefined> {
    return unsupported('rooms', 'refreshRoom');
  }
  sendEmoticon(): Promise<SentMessage> {
    return unsupported('send-emoticon', 'sendEmoticon');
  }
  forward(): Promise<SentMessage> {
    return unsupported('forward', 'forward');
  }
  revoke(): Promise<void> {
    return unsupported('revoke', 'revoke');
  }
  downloadAvatar(): Promise<Buffer> {
    return unsupported('avatars', 'downloadAvatar');
  }
  acceptFriend(): Promise<void> {
    return unsupported('friend-requests', 'acceptFriend');
  }
  addFriend(): Promise<void> {
    return unsupported('friend-requests', 'addFriend');
  }
  setRemark(): Promise<void> {
    return unsupported('friend-requests', 'setRemark');
  }
  setPinned(): Promise<void> {
    return unsupported('friend-requests', 'setPinned');
  }
  createRoom(): Promise<Room> {
    return unsupported('rooms', 'createRoom');
  }
  addMembers(): Promise<void> {
    return unsupported('rooms', 'addMembers');
  }
  removeMembers(): Promise<void> {
    return unsupported('rooms', 'removeMembers');
  }
  setTopic(): Promise<void> {
    return unsupported('rooms', 'setTopic');
  }
  quitRoom(): Promise<void> {
    return unsupported('rooms', 'quitRoom');
  }
}

function unsupported<T>(capability: Capability, action: string): Promise<T> {
  return Promise.reject(new UnsupportedError(capability, 'ilink', action));
}

function person(id: string, name: string, kind: Contact['kind']): Contact {
  return { id, name, kind, gender: 'unknown', starred: false, pinned: false, muted: false };
}

/**
 * Create an iLink transport for one account.
 *
 * @example
 *   const t = createIlinkTransport({ baseUrl: process.env.ILINK_BASE_URL, version: '0.1.0' });
 *   t.on('qr', (qr) => console.log(qr.text));
 *   await t.start();
 */
export function createIlinkTransport(options: IlinkTransportOptions): IlinkTransport {
  return new IlinkTransport(options);
}
