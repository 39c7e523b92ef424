/**
 * The one seam between a Bot and its WeChat session. `src/protocol` implements it for the web
 * protocol; the Bot never sees wire shapes. Every event listed here is typed in `TransportEvents`.
 */
import type { Contact, FriendRequest, Message, Recall, Room, RoomJoin, RoomLeave, RoomTopic, SentMessage } from './model.js';
import type { AddressBook } from './address-book.js';
import type { TransportCapabilities } from './capabilities.js';
import type { PeerWindowState } from './reply-window.js';

export type LoginStep = 'restoring' | 'push-login' | 'waiting-scan' | 'waiting-confirm' | 'logging-in' | 'loading' | 'online';

export type LogoutReason =
  /** Logged out on the phone, or the session no longer exists (web 1100). */
  | 'phone-logout'
  /** Another web/desktop login took the session, or it expired (web 1101/1102). */
  | 'kicked'
  /** We asked for it. */
  | 'requested'
  /** The saved session could not be restored and no new login was allowed. */
  | 'expired'
  /** The login itself was refused (web 1203) or QR attempts ran out. */
  | 'login-failed'
  /** iLink -14: the bot token is dead (bound to another back end, or expired); a new scan is needed. */
  | 'token-expired';

export interface QrCode {
  /** The text inside the QR (web: https://login.weixin.qq.com/l/<uuid>). */
  text: string;
  /** A PNG data URL of the QR, for pages. */
  dataUrl: string;
  /** Session id of this QR. */
  id: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** Every event a transport emits, with its payload. Descriptions feed docs and the panel. */
export interface TransportEvents {
  /** A new QR code to scan. */
  qr: QrCode;
  /** The phone scanned the QR; waiting for the confirm tap. `avatar` is a data URL when given. */
  scanned: { avatar?: string };
  /**
   * The phone shows digits to type in (iLink); answer with `submitVerifyCode`. `retry` = the last
   * code typed was wrong.
   */
  'verify-code': { qrId: string; retry: boolean };
  /** State worth keeping changed (iLink: cursor, context tokens; web: credentials just confirmed, before start-up): serialise and store it again. */
  'session-changed': { at: number };
  /** Progress through login and loading. */
  step: { step: LoginStep };
  /** Logged in; contacts may still be loading. */
  login: { self: Contact };
  /** Contacts, rooms and room members are loaded. */
  ready: { contacts: number; rooms: number };
  /** The session ended. `message` is WeChat's own text where it gave one. */
  logout: { reason: LogoutReason; code?: number; message?: string };
  /** A chat message (including this account's own, marked `isSelf`). */
  message: Message;
  'friend-request': FriendRequest;
  /** A contact was added or changed (including after accepting a friend request). */
  'contact-update': Contact;
  'contact-delete': { id: string };
  /** A room was added or changed (members, topic, owner). */
  'room-update': Room;
  'room-delete': { id: string };
  'room-join': RoomJoin;
  'room-leave': RoomLeave;
  'room-topic': RoomTopic;
  recall: Recall;
  /** Became friends with someone (web: the "You have added X" / "X just added you" system text). */
  'friend-added': { contactId?: string; name: string; at: number };
  /** The phone opened a chat (web: status notify 2). */
  'chat-opened': { chatId: string };
  /** This account's own profile changed. */
  'self-update': Contact;
  /** A sync cycle completed (for "last sync" and health). */
  heartbeat: { at: number };
  /** A non-fatal problem worth reporting (the session goes on). */
  error: Error;
}

export type TransportEventName = keyof TransportEvents;
export type TransportListener<E extends TransportEventName> = (payload: TransportEvents[E]) => void;

export interface FileToSend {
  name: string;
  data: Buffer;
  mimeType?: string;
}

export type MediaVariant = 'thumb' | 'big' | 'original';

/** An opaque snapshot of a logged-in session (JSON-safe). Encrypt before storing: it holds secrets. */
export type SessionSnapshot = Record<string, unknown>;

export interface StartOptions {
  /** A snapshot from `serialize()` to resume without a scan. */
  session?: SessionSnapshot;
  /** Try push login (a confirm prompt on the phone) before a new QR when resuming fails. */
  pushLogin?: boolean;
  /** Stop waiting for a QR scan after this many new QR codes. */
  maxQrCodes?: number;
  signal?: AbortSignal;
}

export interface Transport {
  /** What this transport can do; callers ask before they act (see capabilities.ts). */
  readonly capabilities: TransportCapabilities;
  /** This account once logged in. */
  readonly self: Contact | undefined;
  /** The one user a bot contact is bound to (iLink); absent for a personal account. */
  readonly owner?: Contact | undefined;
  /** Per peer: when they last wrote and the sends since (transports with a reply window). */
  replyState?(): PeerWindowState[];
  /** Subscribe; returns the unsubscribe function. */
  on<E extends TransportEventName>(event: E, listener: TransportListener<E>): () => void;

  /**
   * Log in (restore → push login → QR, as options allow), load contacts and run the sync loop
   * until `stop()`, logout or the signal. Resolves once the session is online; the loop goes on.
   * Rejects with a TransportError when login fails for good.
   */
  start(options?: StartOptions): Promise<void>;
  /** Stop the loops without logging out; the session can be serialised and resumed. Idempotent. */
  stop(): Promise<void>;
  /** Log out on the server, then stop. */
  logout(): Promise<void>;
  /** A snapshot to resume this session later, or undefined when not logged in. */
  serialize(): SessionSnapshot | undefined;

  contacts(): Contact[];
  rooms(): Room[];
  contact(id: string): Contact | undefined;
  room(id: string): Room | undefined;
  /** The record behind contacts() and rooms() when the transport keeps one (web), for the bot's directory to read in place. */
  addressBook?(): AddressBook | undefined;
  /** Fetch a room's full member list from the server (and cache it). */
  refreshRoom(id: string): Promise<Room | undefined>;

  sendText(to: string, text: string): Promise<SentMessage>;
  sendImage(to: string, file: FileToSend): Promise<SentMessage>;
  sendVideo(to: string, file: FileToSend): Promise<SentMessage>;
  sendFile(to: string, file: FileToSend): Promise<SentMessage>;
  /** A sticker: by md5 of a received one, or a GIF file. */
  sendEmoticon(to: string, sticker: { md5: string } | FileToSend): Promise<SentMessage>;
  /** Forward a received message (text, media, file, link, location) to another chat. */
  forward(to: string, message: Message): Promise<SentMessage>;
  /** Recall a message sent by this session (within WeChat's window, 2 minutes). */
  revoke(sent: SentMessage): Promise<void>;

  /**
   * Media bytes. An empty answer (web: stale skey, missing cookies, withheld media) rejects with a
   * TransportError('server') saying "0 bytes"; it never resolves to an empty Buffer.
   */
  download(message: Message, variant?: MediaVariant): Promise<Buffer>;
  downloadAvatar(id: string): Promise<Buffer>;

  acceptFriend(request: FriendRequest): Promise<void>;
  addFriend(id: string, greeting: string): Promise<void>;
  setRemark(id: string, remark: string): Promise<void>;
  setPinned(id: string, pinned: boolean): Promise<void>;
  createRoom(memberIds: string[], topic?: string): Promise<Room>;
  /** Add or invite (the transport picks by room size). */
  addMembers(roomId: string, memberIds: string[]): Promise<void>;
  removeMembers(roomId: string, memberIds: string[]): Promise<void>;
  setTopic(roomId: string, topic: string): Promise<void>;
  quitRoom(roomId: string): Promise<void>;
  /** Tell the phone a chat was read. */
  markRead(chatId: string): Promise<void>;
  /** Show (or clear) "typing…" in a chat while an answer is produced; needs capability 'typing'. */
  setTyping(chatId: string, typing: boolean): Promise<void>;
  /** The digits the phone shows after a scan (only transports that emit 'verify-code'). */
  submitVerifyCode?(code: string): void;
  /**
   * The keys that mark a received message as handled (iLink's dedupe keys, when it was received):
   * whoever stores the message remembers them in the same transaction, so a message is marked
   * handled exactly when it is durable. Transports whose dedupe is the message's row have none.
   */
  deliveryKeys?(message: Message): DeliveryKeys | undefined;
  /**
   * The holder found `message` stored already (a copy the transport's own checks missed): what its arrival opened
   * (iLink: the user's reply window and a fresh quota) is undone, since the user did not write again.
   */
  storedBefore?(message: Message): void;
}

/** What `deliveryKeys` names: the keys, and when the message was received. */
export interface DeliveryKeys {
  keys: string[];
  at: number;
}
