/**
 * What a transport can do. The web protocol is a whole personal account (directory, rooms, friends,
 * revoke, forward); iLink is one bot contact bound to its owner, private chat only, with a reply
 * window and a per-message quota. Everything above the transport asks here before it acts, and a
 * missing capability becomes an `UnsupportedError` naming it, never a crash or a silent drop.
 */

export type TransportKind = 'web' | 'ilink';

/** The capabilities by name, as errors, the API and the panel spell them. */
export type Capability =
  /** A list of contacts with profiles (and look-up by name). */
  | 'directory'
  /** Group chats: room list, members, room operations, @mentions. */
  | 'rooms'
  /** Friend requests, adding friends, remarks and pins. */
  | 'friend-requests'
  /** Recall a sent message. */
  | 'revoke'
  /** Forward a received message to another chat (needs two chats). */
  | 'forward'
  | 'send-image'
  | 'send-video'
  | 'send-file'
  | 'send-emoticon'
  /** Avatars of contacts. */
  | 'avatars'
  /** A "typing…" indicator while an answer is being produced. */
  | 'typing';

export interface ReplyWindow {
  /** Sends are accepted only this long after the peer's last message. */
  windowMs: number;
  /** Sends allowed per message of the peer. */
  quotaPerMessage: number;
}

export interface TransportCapabilities {
  kind: TransportKind;
  /** The capabilities this transport has. */
  has: ReadonlySet<Capability>;
  /** Set when the peer must speak before the bot may send (iLink); absent = send freely. */
  replyWindow?: ReplyWindow;
}

export const ALL_CAPABILITIES: readonly Capability[] = [
  'directory',
  'rooms',
  'friend-requests',
  'revoke',
  'forward',
  'send-image',
  'send-video',
  'send-file',
  'send-emoticon',
  'avatars',
  'typing',
];

/** One line per capability, for errors, the API and the panel. */
export const CAPABILITY_LABELS: Record<Capability, string> = {
  directory: 'a contact list',
  rooms: 'group chats',
  'friend-requests': 'friend requests, remarks and pins',
  revoke: 'recalling sent messages',
  forward: 'forwarding messages between chats',
  'send-image': 'sending images',
  'send-video': 'sending videos',
  'send-file': 'sending files',
  'send-emoticon': 'sending stickers',
  avatars: 'contact avatars',
  typing: 'a typing indicator',
};

/** A call needed a capability the account's transport lacks. */
export class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
  constructor(
    readonly capability: Capability,
    readonly kind: TransportKind,
    action?: string,
  ) {
    super(
      `${action ? `${action}: ` : ''}${kind === 'ilink' ? 'an iLink' : 'a web'} account has no ${CAPABILITY_LABELS[capability]} (capability "${capability}").`,
    );
  }
}

export function supports(caps: TransportCapabilities, capability: Capability): boolean {
  return caps.has.has(capability);
}

/**
 * Throw `UnsupportedError` when the transport lacks the capability.
 *
 * @example requireCapability(bot.transport.capabilities, 'rooms', 'list rooms');
 */
export function requireCapability(caps: TransportCapabilities, capability: Capability, action?: string): void {
  if (!caps.has.has(capability)) throw new UnsupportedError(capability, caps.kind, action);
}

/** The capabilities of `needs` that the transport lacks (empty when all are there). */
export function missingCapabilities(caps: TransportCapabilities, needs: readonly Capability[] | undefined): Capability[] {
  return (needs ?? []).filter((c) => !caps.has.has(c));
}

/** The web protocol: a whole personal account, no typing indicator, no reply window. */
export const WEB_CAPABILITIES: TransportCapabilities = {
  kind: 'web',
  has: new Set(ALL_CAPABILITIES.filter((c) => c !== 'typing')),
};

/** The iLink bot API (../shared/ilink.md §1): one owner, private chat, media, typing, a reply window. */
export const ILINK_CAPABILITIES: TransportCapabilities = {
  kind: 'ilink',
  has: new Set<Capability>(['send-image', 'send-video', 'send-file', 'typing']),
  replyWindow: { windowMs: 24 * 3_600_000, quotaPerMessage: 10 },
};
