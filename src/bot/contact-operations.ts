/**
 * The contact and room operations of one account, without the rest of its transport: what plugins
 * get as `api.contacts` (a plugin may accept a friend request or invite someone into a room, but
 * never stop, log out or read the session). Each call checks the transport's capabilities first:
 * on an account that lacks them (an iLink account has no friend requests and no rooms) it throws
 * UnsupportedError naming the capability, and nothing reaches the transport.
 */
import { requireCapability, type Capability } from '../transport/capabilities.js';
import type { FriendRequest, Room } from '../transport/model.js';
import type { Transport } from '../transport/transport.js';

export interface ContactOperations {
  /** Accept a friend request (as received by `api.on('friend-request')`). Needs 'friend-requests'. */
  acceptFriend(request: FriendRequest): Promise<void>;
  /** Ask someone (a group member, by id) to become a friend. Needs 'friend-requests'. */
  addFriend(id: string, greeting: string): Promise<void>;
  /** Set this account's remark (the name it shows) for a contact. Needs 'friend-requests'. */
  setRemark(id: string, remark: string): Promise<void>;
  /** Add or invite people into a room (the transport picks by room size). Needs 'rooms'. */
  addMembers(roomId: string, memberIds: string[]): Promise<void>;
  /** Remove people from a room this account owns. Needs 'rooms'. */
  removeMembers(roomId: string, memberIds: string[]): Promise<void>;
  /** Rename a room. Needs 'rooms'. */
  setTopic(roomId: string, topic: string): Promise<void>;
  /** Fetch a room's full member list from the server. Needs 'rooms'. */
  refreshRoom(roomId: string): Promise<Room | undefined>;
}

/**
 * Contact operations on whatever transport the account uses now (a re-login swaps it).
 *
 * @example
 *   const contacts = createContactOperations(() => bot.transport);
 *   await contacts.acceptFriend(request); // UnsupportedError on an iLink account
 */
export function createContactOperations(transport: () => Transport): ContactOperations {
  const on = (capability: Capability, action: string): Transport => {
    const t = transport();
    requireCapability(t.capabilities, capability, action);
    return t;
  };
  // Each call is async so that a refused capability rejects (like a failed call) instead of throwing synchronously.
  return Object.freeze({
    acceptFriend: async (request: FriendRequest) => on('friend-requests', 'accept a friend request').acceptFriend(request),
    addFriend: async (id: string, greeting: string) => on('friend-requests', 'add a friend').addFriend(id, greeting),
    setRemark: async (id: string, remark: string) => on('friend-requests', 'set a remark').setRemark(id, remark),
    addMembers: async (roomId: string, memberIds: string[]) => on('rooms', 'add room members').addMembers(roomId, memberIds),
    removeMembers: async (roomId: string, memberIds: string[]) => on('rooms', 'remove room members').removeMembers(roomId, memberIds),
    setTopic: async (roomId: string, topic: string) => on('rooms', 'rename a room').setTopic(roomId, topic),
    refreshRoom: async (roomId: string) => on('rooms', 'refresh a room').refreshRoom(roomId),
  });
}
