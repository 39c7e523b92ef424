/**
 * A transport's own record of an account's contacts and rooms (web: the session's contact book),
 * brought up to date before the transport announces a change. The bot's directory reads it in place
 * instead of keeping a copy of every entry: one process may hold 1,000 accounts (issue 17).
 */
import type { Contact, Room } from './model.js';

export interface AddressBook {
  /** By the id of this session. */
  readonly contacts: ReadonlyMap<string, Contact>;
  readonly rooms: ReadonlyMap<string, Room>;
  /** The id in this session of a stable id (wxid_…, …@chatroom) the book has learnt, else undefined. */
  idOf(stableId: string): string | undefined;
  /** Whether `contact` came in for an id the book did not hold, after the start-up load: someone new, not a change. */
  isAddition(contact: Contact): boolean;
}
