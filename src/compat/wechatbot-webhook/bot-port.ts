/**
 * What the compatibility layer needs of an account (the Bot fits), and the one seam for accounts
 * whose transport has no groups (iLink).
 */
import type { BotInfo, DirectoryView, OutboundRecord, OutgoingContent, SendOptions, SendTarget } from '../../bot/types.js';
import type { Contact } from '../../transport/model.js';
import type { Transport } from '../../transport/transport.js';

export interface CompatBot {
  readonly id: string;
  info(): BotInfo;
  readonly self: Contact | undefined;
  readonly directory: DirectoryView;
  send(to: SendTarget, content: OutgoingContent, options?: SendOptions): Promise<OutboundRecord>;
  waitFor(outboundId: string, timeoutMs?: number): Promise<OutboundRecord>;
  readonly transport: Pick<Transport, 'download' | 'downloadAvatar' | 'acceptFriend'>;
}

export interface CompatAccounts {
  list(): BotInfo[];
  get(id: string): CompatBot | undefined;
}

/**
 * Whether the account's transport has groups.
 *
 * SEAM(ilink): transports are getting declared capabilities (design.md §4; on the ilink-client
 * branch `Transport.capabilities = { kind, has: Set<Capability>, replyWindow? }`). Until that is on
 * main this reads it structurally when present and takes "has rooms" otherwise; once it lands,
 * type `transport` with it and ask `supports(transport.capabilities, 'rooms')` here, nowhere else.
 */
export function hasRooms(bot: CompatBot): boolean {
  const caps = (bot.transport as { capabilities?: { has?: ReadonlySet<string> } }).capabilities;
  return caps?.has ? caps.has.has('rooms') : true;
}
