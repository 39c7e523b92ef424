/** What the compatibility layer needs of an account (the Bot fits), and whether it has groups. */
import type { BotInfo, DirectoryView, OutboundRecord, OutgoingContent, SendOptions, SendTarget } from '../../bot/types.js';
import type { Contact } from '../../transport/model.js';
import type { Transport } from '../../transport/transport.js';
import { supports } from '../../transport/capabilities.js';

export interface CompatBot {
  readonly id: string;
  info(): BotInfo;
  readonly self: Contact | undefined;
  readonly directory: DirectoryView;
  send(to: SendTarget, content: OutgoingContent, options?: SendOptions): Promise<OutboundRecord>;
  /** `untilHeld`: answer as soon as the send waits for the user (iLink), instead of at the time-out. */
  waitFor(outboundId: string, timeoutMs?: number, o?: { untilHeld?: boolean }): Promise<OutboundRecord>;
  readonly transport: Pick<Transport, 'download' | 'downloadAvatar' | 'acceptFriend' | 'capabilities'>;
}

export interface CompatAccounts {
  list(): BotInfo[];
  get(id: string): CompatBot | undefined;
}

/** Whether the account's transport has groups (iLink has one chat, its owner). */
export function hasRooms(bot: CompatBot): boolean {
  return supports(bot.transport.capabilities, 'rooms');
}
