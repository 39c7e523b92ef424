/**
 * The domain model every layer above the transport speaks. Transport-neutral on purpose: the web
 * protocol (src/protocol) produces these today, a second transport (iLink) could tomorrow.
 * Ids are the transport's per-session ids (web: `@hash` / `@@hash`); `stableId` is the durable
 * one (wxid_…, gh_…, NNN@chatroom) when the transport learnt it.
 */

export type ContactKind = 'self' | 'friend' | 'official' | 'special' | 'stranger';
export type Gender = 'unknown' | 'male' | 'female';

export interface Contact {
  id: string;
  stableId?: string;
  /** Nickname, decoded (entities, emoji spans). */
  name: string;
  remark?: string;
  /** Custom WeChat id (Alias). */
  alias?: string;
  kind: ContactKind;
  gender: Gender;
  /** Avatar path or URL as the transport knows it; fetch bytes with `Transport.downloadAvatar`. */
  avatar?: string;
  signature?: string;
  province?: string;
  city?: string;
  starred: boolean;
  pinned: boolean;
  muted: boolean;
}

export interface RoomMember {
  id: string;
  stableId?: string;
  name: string;
  /** The member's group nickname, when set. */
  displayName?: string;
}

export interface Room {
  id: string;
  stableId?: string;
  topic: string;
  members: RoomMember[];
  memberCount: number;
  ownerId?: string;
  isOwner: boolean;
  muted: boolean;
  avatar?: string;
  /** Transport-private handle needed for member look-ups (web: EncryChatRoomId). */
  handle?: string;
}

export type MessageType =
  | 'text'
  | 'image'
  | 'voice'
  | 'video'
  | 'emoticon'
  | 'file'
  | 'link'
  | 'music'
  | 'location'
  | 'contact-card'
  | 'mini-program'
  | 'red-packet'
  | 'transfer'
  | 'call'
  | 'system'
  | 'unknown';

export interface MediaInfo {
  /** Transport handle for the bytes (web: MediaId); absent for media fetched by message id. */
  mediaId?: string;
  fileName?: string;
  fileSize?: number;
  mimeType?: string;
  durationMs?: number;
  width?: number;
  height?: number;
  md5?: string;
  /** Store stickers cannot be downloaded or forwarded. */
  storeSticker?: boolean;
}

export interface LinkInfo {
  title: string;
  description?: string;
  url?: string;
  /** App message sub-type number as the transport reports it (web: AppMsgType). */
  appType?: number;
  appName?: string;
}

export interface LocationInfo {
  label: string;
  lat?: number;
  lng?: number;
  poi?: string;
}

export interface CardInfo {
  name: string;
  /** Stable or ticket id from the card. */
  id?: string;
  alias?: string;
  official: boolean;
}

/** A chat message, received or sent (echoed). */
export interface Message {
  /** Server message id, a decimal string (64-bit). */
  id: string;
  type: MessageType;
  /** The conversation: the room id for group messages, else the other person's id. */
  chatId: string;
  /** Set when the conversation is a group. */
  roomId?: string;
  /** Who wrote it: a member id in groups, the peer or self in private chats. */
  senderId: string;
  /** Sender's name as best known when the message was parsed. */
  senderName?: string;
  toId: string;
  /** Written by this account (from this session, the phone or another device). */
  isSelf: boolean;
  /** Readable text: the text itself, or a short description for other kinds. */
  text: string;
  /** In groups: the message @-mentions this account. */
  mentionsSelf: boolean;
  /** Display names @-mentioned in the text (best effort; web messages carry no machine list). */
  mentions: string[];
  /** Milliseconds since the epoch. */
  createdAt: number;
  media?: MediaInfo;
  link?: LinkInfo;
  location?: LocationInfo;
  card?: CardInfo;
}

export interface FriendRequest {
  /** Per-session id of the requester. */
  contactId: string;
  name: string;
  greeting: string;
  /** Opaque ticket needed to accept. */
  ticket: string;
  stableId?: string;
  alias?: string;
  scene?: number;
  province?: string;
  city?: string;
  gender: Gender;
  receivedAt: number;
}

export interface RoomJoin {
  roomId: string;
  /** Display names of those who joined. */
  names: string[];
  /** Resolved member ids, where the names could be matched. */
  memberIds: string[];
  inviterName?: string;
  via: 'invite' | 'qrcode';
  /** The inviter is this account. */
  bySelf: boolean;
  at: number;
}

export interface RoomLeave {
  roomId: string;
  names: string[];
  memberIds: string[];
  /** Who removed them (absent when unknown). */
  removerName?: string;
  /** This account was removed. */
  self: boolean;
  at: number;
}

export interface RoomTopic {
  roomId: string;
  topic: string;
  oldTopic?: string;
  changerName: string;
  at: number;
}

export interface Recall {
  chatId: string;
  /** Id of the recalled message. */
  messageId: string;
  /** Who recalled it. */
  byId?: string;
  bySelf: boolean;
  notice: string;
  at: number;
  /** The recalled message itself, when it arrived recently enough to be remembered. */
  original?: Message;
}

/** The result of a send: WeChat's message id and the client id used (needed to revoke). */
export interface SentMessage {
  id: string;
  clientId: string;
  to: string;
  sentAt: number;
}
