/** The shapes the bot's callers code against: accounts, send targets, outgoing content, the narrow bot handle. */
import type { Contact, Message, Room } from '../transport/model.js';
import type { FileToSend, QrCode } from '../transport/transport.js';
import type { TransportCapabilities } from '../transport/capabilities.js';
import type { ContactOperations } from './contact-operations.js';
import type { OutboundRecord } from './outbound-record.js';
import type { WebhookEventType } from './event-vocabulary.js';
import type { TransportView } from '../transport/reply-window.js';
import type { Repos } from '../store/index.js';
import type { NetworkProblem } from '../util/network-problem.js';

export type { OutboundRecord, OutboundStatus } from './outbound-record.js';

export type AccountState = 'stopped' | 'starting' | 'needs-login' | 'waiting-scan' | 'waiting-confirm' | 'online' | 'logged-out' | 'failed';

export interface BotInfo extends Partial<TransportView> {
  id: string;
  name: string;
  enabled: boolean;
  state: AccountState;
  /** Logout reason or WeChat's failure message. */
  detail?: string;
  self?: Contact;
  qr?: QrCode;
  scannedAvatar?: string;
  onlineSince?: number;
  lastSyncAt?: number;
  loginStartedAt?: number;
  /** iLink: the phone shows digits to type in the panel (`retry`: the last code was wrong). */
  verifyCode?: { retry: boolean };
  /** The last login failed and the next attempt waits until `at` (the `attempt`-th failure in a row). */
  loginRetry?: LoginRetry;
  /** Cluster (REDIS_URL): the node that runs the account (absent: no node runs it, or no cluster). */
  node?: string;
}

/**
 * Cluster: where an account runs. `info` is the state its node published (absent when this process
 * runs it: its own state is shown, labelled with `node`).
 */
export interface Placement {
  node: string;
  info?: BotInfo;
}

export interface LoginRetry {
  /** When the next attempt starts (ms since the epoch). */
  at: number;
  /** Failed attempts in a row so far. */
  attempt: number;
  /** What kind of network failure it was (undefined: WeChat answered, e.g. refused). */
  problem?: NetworkProblem;
}

/** A chat by id (or stable id), a contact by name/remark/alias, or a room by topic. */
export type SendTarget = { id: string } | { name: string } | { room: string };

export type OutgoingContent = { type: 'text'; text: string } | { type: 'image' | 'video' | 'file'; file: FileToSend } | { type: 'forward'; message: Message };

export interface SendOptions {
  /** Per account: the same key returns the first record and sends nothing new. */
  idempotencyKey?: string;
  /** Who asked: 'plugin:echo', 'api', 'panel', 'webhook' … */
  source?: string;
  /** The received message this answers (counts as "replied" in the statistics). */
  replyTo?: string;
}

/** Read access to an account's contacts and rooms. */
export interface DirectoryView {
  contacts(): Contact[];
  rooms(): Room[];
  contact(id: string): Contact | undefined;
  room(id: string): Room | undefined;
  /** By id, stable id, remark, nickname or alias (exact first, then case-insensitive). */
  find(query: string): Contact | undefined;
  /** By id, stable id or topic. */
  findRoom(query: string): Room | undefined;
}

/** Where an account stands, for a plugin that reports it (admin-commands' #status). */
export interface AccountStatus {
  state: AccountState;
  onlineSince?: number;
  lastSyncAt?: number;
}

/**
 * What plugins and contexts see of a bot: identity, directory, sending, contact operations and what
 * the transport can do. Not the transport itself: a plugin cannot stop the account or log it out.
 */
export interface BotHandle {
  readonly id: string;
  readonly self: Contact | undefined;
  readonly directory: DirectoryView;
  send(to: SendTarget, content: OutgoingContent, options?: SendOptions): Promise<OutboundRecord>;
  waitFor(outboundId: string, timeoutMs?: number): Promise<OutboundRecord>;
  /** Contact and room operations (acceptFriend, setRemark, addMembers …), capability-checked. */
  readonly contacts: ContactOperations;
  /** What the account's transport can do (ask before acting; see src/transport/capabilities.ts). */
  readonly capabilities: TransportCapabilities;
  status(): AccountStatus;
}

/** The type of a journal event (what webhooks, the API's event stream and the panel see): see event-vocabulary.ts. */
export type BotEventType = WebhookEventType;

/** Every event of every account, flattened (what webhooks, SSE and stats consume). */
export interface BotEvent {
  type: BotEventType;
  account: string;
  /** The account's transport ('web' or 'ilink'), so consumers can tell the kinds apart. */
  transport?: TransportView['transport'];
  chatId?: string;
  /** The chat as the directory knows it when the event happens: names and stable ids outlive a re-login, chat ids do not. */
  chat?: ChatLabel;
  at: number;
  data: unknown;
}

export interface ChatLabel {
  /** A group's topic, or a person's remark, else nickname. */
  name: string;
  stableId?: string;
}

/**
 * Called inside the store transaction that keeps the message or event, and writes through its `tx`
 * (webhook outbox rows, the event log): they commit together or not at all. One that writes nothing for the event
 * answers `NOTHING_WRITTEN` (event-writers.ts), which the bot does not wait on.
 */
export type EventWriter = (e: BotEvent, tx: Repos) => Promise<void>;
