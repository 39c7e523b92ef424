/**
 * The shapes the iLink sandbox keeps: phone users, bots bound to them (token, inbox, reply window
 * and quota), QR codes, the log of bot sends and the conversation the phone page shows.
 */

/** A WeChat user with a phone (the owner who scans). */
export interface IlinkUser {
  id: string;
  nickname: string;
  /** The bot this user is bound to now (one binding per user, §9.13). */
  botId?: string;
}

/** An inbound message as it goes on the wire (`message_id` kept as digits, maybe > 2^53). */
export interface WireMessage {
  seq: number;
  message_id?: string;
  from_user_id: string;
  to_user_id: string;
  client_id?: string;
  create_time_ms: number;
  update_time_ms?: number;
  session_id: string;
  message_type: number;
  message_state: number;
  context_token?: string;
  item_list: Record<string, unknown>[];
}

export interface ContextToken {
  token: string;
  issuedAt: number;
  /** When a newer token was handed out (the grace of `tokenValidity` counts from here). */
  supersededAt?: number;
  /** Accepted sends carrying this token (`quotaScope: per-token`). */
  sends: number;
}

export interface HeldPoll {
  /** Answer now with the given body (or an empty batch when undefined). */
  wake(reason: 'message' | 'superseded' | 'stale' | 'close'): void;
}

export interface Bot {
  id: string;
  token: string;
  userId: string;
  boundAt: number;
  /** Set when the token dies; calls after `at` are answered -14. */
  death?: { reason: 'rebound' | 'revoked' | 'stale-14' | 'new-login'; at: number };
  /** `session_id` of the conversation (only logged by clients). */
  sessionId?: string;
  /** Last `seq` handed to an inbound message. */
  seq: number;
  /** Messages for this bot, in order; `inbox[i]` has position `inboxBase + i + 1`. */
  inbox: WireMessage[];
  /** Positions dropped from the front of `inbox` (memory bound). */
  inboxBase: number;
  /** `server-ack`: messages before this position were handed out (consumed). */
  handedOut: number;
  /** `cursor-replay`: the highest position a client has acknowledged by presenting a cursor. */
  acked: number;
  held: HeldPoll[];
  lastPollAt?: number;
  notify?: 'started' | 'stopped';
  lastInboundAt?: number;
  sendsSinceInbound: number;
  contextTokens: ContextToken[];
  clientIds: Set<string>;
  /** `dupClientId: drop-later-sends`: a reuse poisoned the current context token. */
  poisonedToken?: string;
  rateLog: number[];
  coolUntil?: number;
  typingTicket?: { ticket: string; expiresAt: number };
  typingUntil?: number;
  /** client_id → index in the chat of a GENERATING bubble (`generating: merge`). */
  generating: Map<string, number>;
}

export type ItemKind = 'text' | 'image' | 'voice' | 'file' | 'video' | 'tool-call-start' | 'tool-call-result' | 'unknown';

/** One item of a send as tests and the phone page see it. */
export interface ItemView {
  type: ItemKind;
  text?: string;
  fileName?: string;
  /** Plaintext bytes of a media item, for checks (absent when the reference was bad). */
  size?: number;
  /** `/sandbox/api/ilink/media?param=…`: the decrypted bytes. */
  media?: string;
  /** Why the phone would show a grey box instead of the media. */
  problem?: string;
}

/** Every sendmessage request, delivered or refused (§9.31, §9.46). */
export interface SentEntry {
  seq: number;
  at: number;
  bot: string;
  to: string;
  clientId: string;
  state: number;
  items: ItemView[];
  decision: 'delivered' | 'refused';
  ret?: number;
  errmsg?: string;
  /** Why it was refused (also for silent drops that answered ok). */
  reason?: string;
  contextToken?: string;
}

/** A line of the conversation on the phone page. */
export interface ChatLine {
  seq: number;
  at: number;
  bot: string;
  dir: 'in' | 'out';
  /** message_id (in) or client_id (out). */
  id: string;
  items: ItemView[];
  generating?: boolean;
}

export interface QrCode {
  id: string;
  createdAt: number;
  expiresAt: number;
  status: 'wait' | 'scaned' | 'need_verifycode' | 'verify_code_blocked' | 'confirmed' | 'binded_redirect';
  userId?: string;
  /** Digits the phone shows while a code is asked for. */
  verifyCode?: string;
  wrongCodes: number;
  /** `local_token_list` sent at creation (§9.12). */
  localTokens: string[];
  /** The login host has told the client to go to the redirect host. */
  redirectTold: boolean;
  botId?: string;
  /** Held status polls, woken on any change. */
  waiters: Set<() => void>;
}

/** One API call, for the state view and "no call with a dead token" checks. */
export interface CallRecord {
  seq: number;
  at: number;
  endpoint: string;
  host: string;
  /** The bot whose token was used, when it was known. */
  bot?: string;
  deadToken: boolean;
  appId?: string;
  clientVersion?: string;
  botAgent?: string;
  channelVersion?: string;
}
