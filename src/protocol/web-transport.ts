/**
 * The web-protocol Transport: one WeChat web session from login to logout. Orchestrates
 * login (restore → push login → QR), start-up loading, the sync loop and the optional keep-alive,
 * and exposes sends, downloads and contact operations. Every loop runs under one AbortController.
 */
import type { Logger } from '../logger.js';
import type { AddressBook } from '../transport/address-book.js';
import { UnsupportedError, WEB_CAPABILITIES } from '../transport/capabilities.js';
import { failureText, silentLogger } from '../logger.js';
import { TransportError, isTransportError } from '../transport/errors.js';
import type { Contact, FriendRequest, Message, Room, SentMessage } from '../transport/model.js';
import type {
  FileToSend,
  LogoutReason,
  MediaVariant,
  SessionSnapshot,
  StartOptions,
  Transport,
  TransportEventName,
  TransportListener,
} from '../transport/transport.js';
import { systemClock, type Clock } from '../util/clock.js';
import { DEFAULT_TIMEOUTS, WebApi, type Timeouts } from './api.js';
import { logoutReasonFor, logoutTypeFor } from './api-errors.js';
import { ContactBook } from './contact-book.js';
import { DEFAULT_SYNC_TUNING, newMemories, type SessionCore, type SyncTuning } from './core.js';
import { fetchContacts, batchItems } from './contact-fetcher.js';
import { createTransportEmitter, type TransportEmitter } from '../transport/transport-emitter.js';
import { PRELOGIN_HOST, hostsFor } from './hosts.js';
import { HttpSession } from './http.js';
import { ClientMsgIds } from './ids.js';
import { completeLogin, qrLogin, waitForConfirm, type LoginCredentials, type LoginHooks } from './login.js';
import * as media from './media.js';
import * as ops from './ops.js';
import * as send from './send.js';
import { readSnapshot, SNAPSHOT_VERSION, type SessionSnapshotV1, type SessionState } from './session.js';
import { loadSession } from './startup.js';
import { runSyncLoop } from './sync-loop.js';

export interface KeepAliveOptions {
  /** How often to ping (default 5 min, like wechat4u). */
  intervalMs?: number;
  /** Also send this visible text (e.g. to `filehelper`). Off unless configured. */
  message?: { to: string; text: string };
}

export interface WebTransportOptions {
  /** Send every request to this origin with `X-Wechat-Host` (sandbox); unset = real WeChat. */
  endpoint?: string;
  log?: Logger;
  clock?: Clock;
  /** Desktop (UOS) login mode (§4.4, §11.6). */
  desktop?: boolean;
  lang?: 'zh_CN' | 'en_US';
  /** Print the QR in the terminal with qrcode-terminal. */
  printQr?: boolean;
  timeouts?: Partial<Timeouts>;
  /** Periodic statusnotify keep-alive (and optional visible message); off by default. */
  keepAlive?: KeepAliveOptions | false;
  /** New QR codes to show before giving up (default 5, like the official page). */
  maxQrCodes?: number;
  sync?: Partial<SyncTuning>;
  /** batchgetcontact calls in flight at once (default 6: 300 groups load in one round). */
  batchConcurrency?: number;
  userAgent?: string;
}

function emptyState(): SessionState {
  return { hosts: hostsFor('wx.qq.com'), uin: '', sid: '', skey: '', passTicket: '', inviteStartCount: 40, loginAt: 0 };
}

class WebTransport implements Transport {
  readonly capabilities = WEB_CAPABILITIES;
  private readonly events: TransportEmitter;
  private readonly log: Logger;
  private readonly clock: Clock;
  private core: SessionCore | undefined;
  private ctrl: AbortController | undefined;
  private loop: Promise<void> | undefined;
  /** The stop under way: a second `stop()` while it runs waits for it. */
  private stopping: Promise<void> | undefined;
  private running = false;
  /** The webwxlogout sent after WeChat ended the session; stop() cuts it short. */
  private farewell: AbortController | undefined;

  constructor(private readonly options: WebTransportOptions) {
    this.log = (options.log ?? silentLogger()).child({ ns: 'protocol' });
    this.clock = options.clock ?? systemClock;
    this.events = createTransportEmitter(this.log);
  }

  get self(): Contact | undefined {
    const core = this.core;
    return core?.book.selfId ? core.book.contacts.get(core.book.selfId) : undefined;
  }

  on<E extends TransportEventName>(event: E, listener: TransportListener<E>): () => void {
    return this.events.on(event, listener);
  }

  private newCore(state: SessionState, http: HttpSession): SessionCore {
    const o = this.options;
    const api = new WebApi(http, state, {
      lang: o.lang ?? 'zh_CN',
      desktop: o.desktop ?? false,
      timeouts: { ...DEFAULT_TIMEOUTS, ...o.timeouts },
      clock: this.clock,
    });
    return {
      api,
      book: new ContactBook(),
      events: this.events,
      clock: this.clock,
      log: this.log,
      tuning: { ...DEFAULT_SYNC_TUNING, ...o.sync },
      clientIds: new ClientMsgIds(this.clock),
      ...newMemories(),
      live: false,
      batchConcurrency: o.batchConcurrency ?? 6,
    };
  }

  private hooks(): LoginHooks {
    return {
      qr: (qr) => this.events.emit('qr', qr),
      scanned: (avatar) => this.events.emit('scanned', avatar ? { avatar } : {}),
      step: (step) => this.events.emit('step', { step }),
    };
  }

  async start(options: StartOptions = {}): Promise<void> {
    if (this.running) throw new TransportError('invalid', 'start(): this transport is already running; stop() it first');
    this.running = true;
    const ctrl = new AbortController();
    this.ctrl = ctrl;
    const outer = options.signal;
    if (outer) {
      if (outer.aborted) ctrl.abort(outer.reason);
      else outer.addEventListener('abort', () => void this.stop(), { once: true });
    }
    const signal = ctrl.signal;
    try {
      await this.login(options, signal);
    } catch (err) {
      this.running = false;
      this.ctrl = undefined;
      this.core?.api.http.close();
      if (signal.aborted) throw new TransportError('invalid', 'start() was stopped before the session came online', undefined, { cause: err });
      const te = isTransportError(err) ? err : new TransportError('server', `login failed: ${(err as Error).message}`, undefined, { cause: err });
      const reason: LogoutReason = te.kind === 'logged-out' ? 'expired' : 'login-failed';
      this.events.emit('logout', { reason, ...(te.code !== undefined ? { code: te.code } : {}), message: te.message });
      throw te;
    }
    this.events.emit('step', { step: 'online' });
    this.loop = this.runLoops(signal);
  }

  /** restore → push login → QR, each falling through to the next on failure (§11.4, §11.5). */
  private async login(options: StartOptions, signal: AbortSignal): Promise<void> {
    const maxQr = options.maxQrCodes ?? this.options.maxQrCodes ?? 5;
    const snap = options.session ? readSnapshot(options.session) : undefined;
    if (options.session && !snap) this.log.warn('saved session is not readable (other version?); a new login is needed');
    if (snap) {
      this.events.emit('step', { step: 'restoring' });
      const core = this.restoreCore(snap);
      this.core = core;
      try {
        await this.load(core, signal);
        return;
      } catch (err) {
        if (signal.aborted) throw err;
        this.log.info({ reason: failureText(err) }, 'saved session could not be resumed');
      }
      if (options.pushLogin) {
        try {
          const creds = await this.pushLogin(core, signal);
          if (creds) {
            const fresh = this.newCore({ ...emptyState(), ...creds, loginAt: this.clock.now() }, core.api.http);
            this.core = fresh;
            this.credentialsKept();
            await this.load(fresh, signal);
            return;
          }
        } catch (err) {
          if (signal.aborted) throw err;
          if (isTransportError(err) && err.kind === 'login-refused') throw err;
          this.log.info({ reason: failureText(err) }, 'push login failed; falling back to a QR code');
        }
      }
      if (maxQr <= 0) throw new TransportError('logged-out', 'the saved session has expired and new QR logins are not allowed');
    }
    const http = new HttpSession({
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      ...(this.options.userAgent ? { userAgent: this.options.userAgent } : {}),
    });
    const core = this.newCore(emptyState(), http);
    this.core?.api.http.close();
    this.core = core;
    const creds = await qrLogin(core.api, this.hooks(), {
      clock: this.clock,
      log: this.log,
      signal,
      maxQrCodes: maxQr,
      printQr: this.options.printQr ?? false,
    });
    Object.assign(core.api.state, creds, { loginAt: this.clock.now() });
    this.credentialsKept();
    await this.load(core, signal);
  }

  /**
   * The phone confirmed: the new credentials are worth saving before start-up runs, so that a
   * start-up that fails (a network error in webwxinit, the address book…) is retried from them
   * instead of asking the owner to scan again.
   */
  private credentialsKept(): void {
    this.events.emit('session-changed', { at: this.clock.now() });
  }

  private restoreCore(snap: SessionSnapshotV1): SessionCore {
    const http = new HttpSession({
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      ...(this.options.userAgent ? { userAgent: this.options.userAgent } : {}),
    });
    http.loadCookies(snap.cookies);
    const state: SessionState = {
      hosts: snap.hosts,
      uin: snap.uin,
      sid: snap.sid,
      skey: snap.skey,
      passTicket: snap.passTicket,
      inviteStartCount: snap.inviteStartCount || 40,
      loginAt: snap.loginAt,
      ...(snap.syncKey ? { syncKey: snap.syncKey } : {}),
      ...(snap.syncCheckKey ? { syncCheckKey: snap.syncCheckKey } : {}),
      ...(snap.self ? { self: snap.self } : {}),
    };
    return this.newCore(state, http);
  }

  /** §4.5: `webwxpushloginurl` with the old cookies, then wait for the phone's confirm. */
  private async pushLogin(core: SessionCore, signal: AbortSignal): Promise<LoginCredentials | undefined> {
    this.events.emit('step', { step: 'push-login' });
    const r = await core.api.pushLogin(signal);
    if (!r.uuid) {
      this.log.info({ ret: r.ret, msg: r.msg }, 'push login refused');
      return undefined;
    }
    this.events.emit('step', { step: 'waiting-confirm' });
    const loginHost = core.api.state.hosts.login || PRELOGIN_HOST;
    const redirect = await waitForConfirm(
      core.api,
      r.uuid,
      this.hooks(),
      { clock: this.clock, log: this.log, signal, maxQrCodes: 1, printQr: false },
      1,
      loginHost,
    );
    if (!redirect) return undefined;
    this.events.emit('step', { step: 'logging-in' });
    return completeLogin(core.api, redirect, signal);
  }

  private async load(core: SessionCore, signal: AbortSignal): Promise<void> {
    this.events.emit('step', { step: 'loading' });
    await loadSession(core, signal, (self) => this.events.emit('login', { self }));
  }

  private async runLoops(signal: AbortSignal): Promise<void> {
    const core = this.core!;
    const keepAlive = this.options.keepAlive ? this.keepAlive(core, this.options.keepAlive, signal) : Promise.resolve();
    const end = await runSyncLoop(core, signal);
    if (end.kind === 'logout') {
      this.log.warn({ code: end.code }, 'session ended by WeChat');
      this.ctrl?.abort(new Error('logged out'));
      this.running = false;
      // Set before the event: a listener that calls stop() at once cuts the farewell short.
      const bye = new AbortController();
      this.farewell = bye;
      this.events.emit('logout', { reason: logoutReasonFor(end.code), code: end.code, message: end.message });
      // Then tell the server, as the official client does (type 1 after 1101/1102/1205, else 0).
      // After the event, so a dead network never delays it; failures change nothing.
      try {
        await core.api.logout(logoutTypeFor(end.code), bye.signal);
      } catch (err) {
        this.log.debug({ err }, 'webwxlogout after the session ended failed');
      } finally {
        this.farewell = undefined;
      }
    }
    await keepAlive;
  }

  private async keepAlive(core: SessionCore, ka: KeepAliveOptions, signal: AbortSignal): Promise<void> {
    const every = ka.intervalMs ?? 300_000;
    while (!signal.aborted) {
      try {
        await this.clock.sleep(every, signal);
      } catch {
        return;
      }
      try {
        await core.api.statusNotify(3, core.book.selfId, core.clientIds.next(), signal);
        if (ka.message) await send.sendText(core, ka.message.to, ka.message.text);
      } catch (err) {
        if (signal.aborted) return;
        this.log.warn({ err }, 'keep-alive failed');
      }
    }
  }

  stop(): Promise<void> {
    const ctrl = this.ctrl;
    if (ctrl && !ctrl.signal.aborted) ctrl.abort(new Error('stopped'));
    this.farewell?.abort(new Error('stopped'));
    const loop = this.loop;
    // Already stopping (the start signal's abort began it): resolve when that stop ends, its sync's messages handed over.
    if (!loop && this.stopping) return this.stopping;
    this.loop = undefined;
    const stopping: Promise<void> = (async () => {
      if (loop) await loop.catch((err: unknown) => this.log.error({ err }, 'sync loop ended with an error'));
      this.running = false;
      this.core?.api.http.close();
    })().finally(() => {
      if (this.stopping === stopping) this.stopping = undefined;
    });
    this.stopping = stopping;
    return stopping;
  }

  async logout(): Promise<void> {
    const core = this.core;
    if (core && this.running) {
      try {
        await core.api.logout(logoutTypeFor());
      } catch (err) {
        this.log.warn({ err }, 'webwxlogout failed; stopping anyway');
      }
    }
    const wasRunning = this.running;
    await this.stop();
    if (wasRunning) this.events.emit('logout', { reason: 'requested' });
  }

  serialize(): SessionSnapshot | undefined {
    const core = this.core;
    const st = core?.api.state;
    if (!core || !st || !st.sid || !st.skey || !st.uin) return undefined;
    const snap: SessionSnapshotV1 = {
      v: SNAPSHOT_VERSION,
      kind: 'wechat-web',
      hosts: st.hosts,
      uin: st.uin,
      sid: st.sid,
      skey: st.skey,
      passTicket: st.passTicket,
      inviteStartCount: st.inviteStartCount,
      loginAt: st.loginAt,
      desktop: core.api.opts.desktop,
      cookies: core.api.http.serializeCookies(),
      ...(st.syncKey ? { syncKey: st.syncKey } : {}),
      ...(st.syncCheckKey ? { syncCheckKey: st.syncCheckKey } : {}),
      ...(st.self ? { self: st.self } : {}),
    };
    return JSON.parse(JSON.stringify(snap)) as SessionSnapshot;
  }

  private need(): SessionCore {
    if (!this.core || !this.core.book.selfId) throw new TransportError('invalid', 'not logged in');
    return this.core;
  }

  contacts(): Contact[] {
    return this.core ? [...this.core.book.contacts.values()] : [];
  }
  rooms(): Room[] {
    return this.core ? [...this.core.book.rooms.values()] : [];
  }
  contact(id: string): Contact | undefined {
    return this.core?.book.contacts.get(id);
  }
  room(id: string): Room | undefined {
    return this.core?.book.rooms.get(id);
  }
  addressBook(): AddressBook | undefined {
    return this.core?.book;
  }
  async refreshRoom(id: string): Promise<Room | undefined> {
    const core = this.need();
    await fetchContacts(core, batchItems([id]));
    return core.book.rooms.get(id);
  }

  sendText(to: string, text: string): Promise<SentMessage> {
    return send.sendText(this.need(), to, text);
  }
  sendImage(to: string, file: FileToSend): Promise<SentMessage> {
    return send.sendImage(this.need(), to, file);
  }
  sendVideo(to: string, file: FileToSend): Promise<SentMessage> {
    return send.sendVideo(this.need(), to, file);
  }
  sendFile(to: string, file: FileToSend): Promise<SentMessage> {
    return send.sendFile(this.need(), to, file);
  }
  sendEmoticon(to: string, sticker: { md5: string } | FileToSend): Promise<SentMessage> {
    return send.sendEmoticon(this.need(), to, sticker);
  }
  forward(to: string, message: Message): Promise<SentMessage> {
    return send.forward(this.need(), to, message);
  }
  revoke(sent: SentMessage): Promise<void> {
    return send.revoke(this.need(), sent);
  }
  download(message: Message, variant?: MediaVariant): Promise<Buffer> {
    return media.download(this.need(), message, variant);
  }
  downloadAvatar(id: string): Promise<Buffer> {
    return media.downloadAvatar(this.need(), id);
  }
  acceptFriend(request: FriendRequest): Promise<void> {
    return ops.acceptFriend(this.need(), request);
  }
  addFriend(id: string, greeting: string): Promise<void> {
    return ops.addFriend(this.need(), id, greeting);
  }
  setRemark(id: string, remark: string): Promise<void> {
    return ops.setRemark(this.need(), id, remark);
  }
  setPinned(id: string, pinned: boolean): Promise<void> {
    return ops.setPinned(this.need(), id, pinned);
  }
  createRoom(memberIds: string[], topic?: string): Promise<Room> {
    return ops.createRoom(this.need(), memberIds, topic);
  }
  addMembers(roomId: string, memberIds: string[]): Promise<void> {
    return ops.addMembers(this.need(), roomId, memberIds);
  }
  removeMembers(roomId: string, memberIds: string[]): Promise<void> {
    return ops.removeMembers(this.need(), roomId, memberIds);
  }
  setTopic(roomId: string, topic: string): Promise<void> {
    return ops.setTopic(this.need(), roomId, topic);
  }
  quitRoom(roomId: string): Promise<void> {
    return ops.quitRoom(this.need(), roomId);
  }
  markRead(chatId: string): Promise<void> {
    return ops.markRead(this.need(), chatId);
  }

  setTyping(): Promise<void> {
    return Promise.reject(new UnsupportedError('typing', 'web', 'setTyping'));
  }
}

/**
 * Create a WeChat web-protocol transport for one account.
 *
 * @example
 *   const t = createWebTransport({ endpoint: process.env.WECHAT_ENDPOINT, printQr: true });
 *   t.on('message', (m) => console.log(m.text));
 *   await t.start();
 */
export function createWebTransport(options: WebTransportOptions = {}): Transport {
  return new WebTransport(options);
}
