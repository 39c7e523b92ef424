/**
 * An in-memory Transport for unit tests: inject messages and events, record sends, script
 * failures. Logs in at once (or on `scan()`/`confirm()` in QR mode). No network, no timers.
 */
import type { Contact, FriendRequest, Message, Room, SentMessage } from '../transport/model.js';
import type { FileToSend, SessionSnapshot, StartOptions, Transport, TransportEventName, TransportEvents, TransportListener } from '../transport/transport.js';
import { TransportError } from '../transport/errors.js';
import { WEB_CAPABILITIES, type TransportCapabilities } from '../transport/capabilities.js';

export interface FakeSend {
  to: string;
  type: 'text' | 'image' | 'video' | 'file' | 'emoticon' | 'forward';
  text?: string;
  fileName?: string;
  /** A file's type and size in bytes, as handed to the transport. */
  mimeType?: string;
  size?: number;
  id: string;
  at: number;
}

export interface FakeTransportOptions {
  self?: Partial<Contact>;
  contacts?: Contact[];
  rooms?: Room[];
  /** 'auto' logs in during start(); 'qr' emits a QR and waits for scan() + confirm(). */
  login?: 'auto' | 'qr';
  now?: () => number;
  /** What the fake claims it can do (default: the web protocol's). */
  capabilities?: TransportCapabilities;
}

export function contact(id: string, name: string, extra: Partial<Contact> = {}): Contact {
  return { id, name, kind: 'friend', gender: 'unknown', starred: false, pinned: false, muted: false, ...extra };
}

export function room(id: string, topic: string, members: Contact[] = [], extra: Partial<Room> = {}): Room {
  return {
    id,
    topic,
    members: members.map((m) => ({ id: m.id, name: m.name })),
    memberCount: members.length,
    isOwner: false,
    muted: false,
    ...extra,
  };
}

let seq = 0;

export class FakeTransport implements Transport {
  readonly sent: FakeSend[] = [];
  private listeners = new Map<TransportEventName, Set<(p: never) => void>>();
  private contactsById = new Map<string, Contact>();
  private roomsById = new Map<string, Room>();
  private online = false;
  private failures: { error: Error; count: number }[] = [];
  private sendWaiters: (() => void)[] = [];
  private pendingLogin: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  readonly selfContact: Contact;
  startCalls: StartOptions[] = [];
  stopped = 0;
  /** Extra latency per send (ms, real time) to simulate a slow server. */
  sendDelayMs = 0;
  private now: () => number;

  constructor(private readonly options: FakeTransportOptions = {}) {
    this.selfContact = contact(options.self?.id ?? '@self', options.self?.name ?? 'Bot', { kind: 'self', ...options.self });
    for (const c of options.contacts ?? []) this.contactsById.set(c.id, c);
    for (const r of options.rooms ?? []) this.roomsById.set(r.id, r);
    this.now = options.now ?? Date.now;
  }

  get capabilities(): TransportCapabilities {
    return this.options.capabilities ?? WEB_CAPABILITIES;
  }

  get self(): Contact | undefined {
    return this.online ? this.selfContact : undefined;
  }

  on<E extends TransportEventName>(event: E, listener: TransportListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (p: never) => void);
    return () => void set.delete(listener as (p: never) => void);
  }

  /** Emit any transport event (as the protocol would). */
  emit<E extends TransportEventName>(event: E, payload: TransportEvents[E]): void {
    for (const l of this.listeners.get(event) ?? []) (l as (p: TransportEvents[E]) => void)(payload);
  }

  async start(options: StartOptions = {}): Promise<void> {
    this.startCalls.push(options);
    if (options.session && options.session.fake === true) {
      this.emit('step', { step: 'restoring' });
      this.goOnline();
      return;
    }
    if ((this.options.login ?? 'auto') === 'auto') {
      this.goOnline();
      return;
    }
    this.emit('qr', { text: 'https://login.weixin.qq.com/l/fake', dataUrl: 'data:image/png;base64,', id: 'fake', createdAt: this.now() });
    this.emit('step', { step: 'waiting-scan' });
    await new Promise<void>((resolve, reject) => {
      this.pendingLogin = { resolve, reject };
      options.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true });
    });
    this.goOnline();
  }

  scan(): void {
    this.emit('scanned', {});
    this.emit('step', { step: 'waiting-confirm' });
  }

  confirm(): void {
    this.pendingLogin?.resolve();
    this.pendingLogin = undefined;
  }

  private goOnline(): void {
    this.online = true;
    this.emit('step', { step: 'logging-in' });
    this.emit('login', { self: this.selfContact });
    this.emit('ready', { contacts: this.contactsById.size, rooms: this.roomsById.size });
    this.emit('step', { step: 'online' });
    // Like a first sync: nothing is pending on this fake's side (the queue waits for one to judge doubtful sends).
    this.emit('heartbeat', { at: this.now() });
  }

  async stop(): Promise<void> {
    this.stopped++;
    this.online = false;
  }

  async logout(): Promise<void> {
    this.online = false;
    this.emit('logout', { reason: 'requested' });
  }

  /** The server ends the session (phone logout, kicked …). */
  kick(reason: TransportEvents['logout']['reason'] = 'kicked', code = 1101): void {
    this.online = false;
    this.emit('logout', { reason, code });
  }

  serialize(): SessionSnapshot | undefined {
    return this.online ? { fake: true, self: this.selfContact.id } : undefined;
  }

  contacts(): Contact[] {
    return [...this.contactsById.values()];
  }

  rooms(): Room[] {
    return [...this.roomsById.values()];
  }

  contact(id: string): Contact | undefined {
    return this.contactsById.get(id);
  }

  room(id: string): Room | undefined {
    return this.roomsById.get(id);
  }

  async refreshRoom(id: string): Promise<Room | undefined> {
    return this.roomsById.get(id);
  }

  /**
   * A message arrives: from a contact (private) or from a member of `room`.
   *
   * @example
   *   fake.receive({ from: '@alice', text: 'ping' });
   *   fake.receive({ from: '@bob', room: '@@group', text: '@Bot hi', mentionsSelf: true });
   */
  receive(m: {
    from: string;
    text: string;
    room?: string;
    mentionsSelf?: boolean;
    isSelf?: boolean;
    type?: Message['type'];
    id?: string;
    to?: string;
  }): Message {
    const self = this.selfContact.id;
    const sender = m.isSelf ? self : m.from;
    const msg: Message = {
      id: m.id ?? String(1_000_000 + ++seq),
      type: m.type ?? 'text',
      chatId: m.room ?? (m.isSelf ? (m.to ?? m.from) : m.from),
      ...(m.room !== undefined && { roomId: m.room }),
      senderId: sender,
      senderName: m.isSelf ? this.selfContact.name : (this.contactsById.get(m.from)?.name ?? m.from),
      toId: m.room ?? (m.isSelf ? (m.to ?? m.from) : self),
      isSelf: m.isSelf ?? false,
      text: m.text,
      mentionsSelf: m.mentionsSelf ?? false,
      mentions: m.mentionsSelf ? [this.selfContact.name] : [],
      createdAt: this.now(),
    };
    this.emit('message', msg);
    return msg;
  }

  /** The next `count` sends fail with `error` (e.g. new TransportError('rate-limited', '…', 1205)). */
  failNext(error: Error, count = 1): void {
    this.failures.push({ error, count });
  }

  /** Forget scripted failures. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  /** Resolve once at least `n` sends were recorded. */
  async waitForSends(n: number, timeoutMs = 5000): Promise<FakeSend[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.sent.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} sends, got ${this.sent.length}`);
      await new Promise<void>((r) => {
        this.sendWaiters.push(r);
        setTimeout(r, 50).unref();
      });
    }
    return this.sent;
  }

  private async record(to: string, type: FakeSend['type'], extra: Pick<FakeSend, 'text' | 'fileName' | 'mimeType' | 'size'>): Promise<SentMessage> {
    if (!this.online) throw new TransportError('invalid', 'not logged in');
    if (this.sendDelayMs) await new Promise((r) => setTimeout(r, this.sendDelayMs));
    const f = this.failures[0];
    if (f) {
      if (--f.count <= 0) this.failures.shift();
      throw f.error;
    }
    const id = String(5_000_000 + ++seq);
    const at = this.now();
    this.sent.push({ to, type, id, at, ...extra });
    const w = this.sendWaiters;
    this.sendWaiters = [];
    for (const r of w) r();
    return { id, clientId: `c${id}`, to, sentAt: at };
  }

  sendText(to: string, text: string): Promise<SentMessage> {
    return this.record(to, 'text', { text });
  }
  sendImage(to: string, file: FileToSend): Promise<SentMessage> {
    return this.record(to, 'image', fileFacts(file));
  }
  sendVideo(to: string, file: FileToSend): Promise<SentMessage> {
    return this.record(to, 'video', fileFacts(file));
  }
  sendFile(to: string, file: FileToSend): Promise<SentMessage> {
    return this.record(to, 'file', fileFacts(file));
  }
  sendEmoticon(to: string, sticker: { md5: string } | FileToSend): Promise<SentMessage> {
    return this.record(to, 'emoticon', 'name' in sticker ? { fileName: sticker.name } : {});
  }
  forward(to: string, message: Message): Promise<SentMessage> {
    return this.record(to, 'forward', { text: message.text });
  }
  async revoke(): Promise<void> {}
  async download(): Promise<Buffer> {
    return Buffer.alloc(0);
  }
  async downloadAvatar(): Promise<Buffer> {
    return Buffer.alloc(0);
  }
  /** Contact and room operations called so far (acceptFriend, addMembers …), in order. */
  readonly calls: { method: string; args: unknown[] }[] = [];

  async acceptFriend(request: FriendRequest): Promise<void> {
    this.calls.push({ method: 'acceptFriend', args: [request] });
  }
  async addFriend(id: string, greeting: string): Promise<void> {
    this.calls.push({ method: 'addFriend', args: [id, greeting] });
  }
  async setRemark(id: string, remark: string): Promise<void> {
    this.calls.push({ method: 'setRemark', args: [id, remark] });
    const c = this.contactsById.get(id);
    if (c) this.contactsById.set(id, { ...c, remark });
  }
  async setPinned(): Promise<void> {}
  async createRoom(memberIds: string[], topic = ''): Promise<Room> {
    const r = room(
      `@@room${++seq}`,
      topic,
      memberIds.map((id) => this.contactsById.get(id) ?? contact(id, id)),
    );
    this.roomsById.set(r.id, r);
    return r;
  }
  async addMembers(roomId: string, memberIds: string[]): Promise<void> {
    this.calls.push({ method: 'addMembers', args: [roomId, memberIds] });
  }
  async removeMembers(roomId: string, memberIds: string[]): Promise<void> {
    this.calls.push({ method: 'removeMembers', args: [roomId, memberIds] });
  }
  async setTopic(roomId: string, topic: string): Promise<void> {
    this.calls.push({ method: 'setTopic', args: [roomId, topic] });
    const r = this.roomsById.get(roomId);
    if (r) this.roomsById.set(roomId, { ...r, topic });
  }
  async quitRoom(): Promise<void> {}
  async markRead(): Promise<void> {}

  /** Chats shown as "typing…" right now, and every call. */
  readonly typing = new Set<string>();
  readonly typingCalls: { chatId: string; on: boolean }[] = [];

  async setTyping(chatId: string, on: boolean): Promise<void> {
    this.typingCalls.push({ chatId, on });
    if (on) this.typing.add(chatId);
    else this.typing.delete(chatId);
  }
}

function fileFacts(file: FileToSend): Pick<FakeSend, 'fileName' | 'mimeType' | 'size'> {
  return { fileName: file.name, ...(file.mimeType !== undefined && { mimeType: file.mimeType }), size: file.data.length };
}
