/**
 * In a cluster (REDIS_URL) an account's sends may be accepted on any node, while only the node that
 * holds the account's lease sends them. A send accepted on another node is committed to the shared
 * outbound table there and routed to the holder (src/cluster/send-routing.ts); the holder queues it
 * as if accepted itself (`OutboundQueue.adopt`).
 */
import type { NewOutbound, OutboundRecord } from './outbound-record.js';

export interface SendRouter {
  /** Whether this node runs the account now: its sends are queued in this process. */
  local(): boolean;
  /**
   * Commit the row (with the 'replied' statistic when `replied`) and route it to the node that runs
   * the account. Resolves once both are done: the send is durable and on its way.
   */
  route(row: NewOutbound, o: { replied: boolean }): Promise<OutboundRecord>;
  /** Resolve when a routed row is sent or failed (or waits for the user, with `untilHeld`), or after `timeoutMs` with its state. */
  waitFor(id: string, timeoutMs: number, o: { untilHeld?: boolean }): Promise<OutboundRecord>;
}
