/**
 * Where each account should run: rendezvous hashing with bounded loads. Every node computes the
 * same answer from the same live nodes and accounts: accounts are taken in a fixed order, and each
 * goes to the node that scores highest for it among those not yet full, a node being full at
 * ⌈accounts / nodes⌉ (only `accounts mod nodes` nodes may reach it), so counts differ by one at
 * most, and a node joining or leaving moves few accounts.
 */
import { createHash } from 'node:crypto';

/** The rendezvous score of an account on a node. */
function score(node: string, account: string): bigint {
  return createHash('sha256').update(node).update('\0').update(account).digest().readBigUInt64BE(0);
}

/**
 * Each live node's accounts.
 *
 * @example
 *   spread(['a', 'b'], ['x', 'y', 'z']) // Map { 'a' => Set {…2 or 1}, 'b' => Set {…1 or 2} }
 */
export function spread(nodes: readonly string[], accounts: readonly string[]): Map<string, Set<string>> {
  const plan = new Map(nodes.map((n) => [n, new Set<string>()]));
  if (nodes.length === 0) return plan;
  const floor = Math.floor(accounts.length / nodes.length);
  let roomAboveFloor = accounts.length % nodes.length;
  for (const account of [...accounts].sort()) {
    const ranked = [...nodes].sort((a, b) => {
      const d = score(b, account) - score(a, account);
      return d > 0n ? 1 : d < 0n ? -1 : a < b ? -1 : 1;
    });
    for (const node of ranked) {
      const held = plan.get(node)!;
      if (held.size < floor || (held.size === floor && roomAboveFloor > 0)) {
        if (held.size === floor) roomAboveFloor--;
        held.add(account);
        break;
      }
    }
  }
  return plan;
}
