/**
 * An account's transport in a cluster: right before every request that acts on WeChat (a send, a
 * recall, a contact or group change, a logout), it asks Redis whether this node still holds the
 * account's lease with the same token, and refuses the request when not. The refusal is a
 * 'logged-out' TransportError, so the outbound queue keeps the message queued (for the holder,
 * which loads it from the shared store) instead of failing it.
 */
import type { Transport } from '../transport/transport.js';
import { TransportError } from '../transport/errors.js';

/** Every method that makes WeChat do something on the account's behalf. */
const ACTING = new Set<keyof Transport>([
  'sendText',
  'sendImage',
  'sendVideo',
  'sendFile',
  'sendEmoticon',
  'forward',
  'revoke',
  'acceptFriend',
  'addFriend',
  'setRemark',
  'setPinned',
  'createRoom',
  'addMembers',
  'removeMembers',
  'setTopic',
  'quitRoom',
  'markRead',
  'setTyping',
  'logout',
]);

/**
 * @param stillHeld whether this node holds the account's lease, with the token it took it with
 */
export function fencedTransport(transport: Transport, account: string, stillHeld: () => Promise<boolean>): Transport {
  return new Proxy(transport, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      if (!ACTING.has(key as keyof Transport)) return (value as (...a: unknown[]) => unknown).bind(target);
      return async (...args: unknown[]) => {
        if (!(await stillHeld())) throw new TransportError('logged-out', `account ${account} is no longer run by this node (its lease was taken over)`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
