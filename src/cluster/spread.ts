/**
 * Where each account should run: rendezvous hashing with bounded loads, sticky to the current
 * holders. Every node computes the same answer from the same live nodes, accounts and lease
 * holders. Counts differ by one at most: a node is full at ⌊accounts / nodes⌋, and `accounts mod
 * nodes` of them may take one more. First each live node keeps the accounts it holds, up to that
 * bound (so adding an account or a node moves only what the balance needs); the rest go, in a fixed
 * order, each to the node that scores highest for it among those with room (so where an account
 * lands does not depend on who computes it, and a node leaving scatters its accounts evenly).
 */
import { createHash } from 'node:crypto';

/** The rendezvous score of an account on a node. */
function score(node: string, account: string): bigint {
  return createHash('sha256').update(node).update('\0').update(account).digest().readBigUInt64BE(0);
}

const byScoreFor =
  (account: string) =>
  (a: string, b: string): number => {
    const d = score(b, account) - score(a, account);
    return d > 0n ? 1 : d < 0n ? -1 : a < b ? -1 : 1;
  };

/**
 * Each live node's accounts.
 *
 * @param holders who runs each account now (node name); accounts absent or held by a node not in `nodes` are free
 * @example
 *   spread(['a', 'b'], ['x', 'y', 'z'], new Map([['x', 'a']])) // a keeps x; y and z are placed by score, 2 and 1
 */
export function spread(nodes: readonly string[], accounts: readonly string[], holders: ReadonlyMap<string, string> = new Map()): Map<string, Set<string>> {
  const plan = new Map([...nodes].sort().map((n) => [n, new Set<string>()]));
  if (nodes.length === 0) return plan;
  const floor = Math.floor(accounts.length / nodes.length);
  let roomAboveFloor = accounts.length % nodes.length;
  const sorted = [...new Set(accounts)].sort();
  // Sticky: each node keeps what it holds, the nodes holding most first to the places above the floor.
  const held = new Map<string, string[]>();
  for (const a of sorted) {
    const node = holders.get(a);
    if (node !== undefined && plan.has(node)) held.set(node, [...(held.get(node) ?? []), a]);
  }
  const keepers = [...held.entries()].sort(([n1, a1], [n2, a2]) => a2.length - a1.length || (n1 < n2 ? -1 : 1));
  for (const [node, mine] of keepers) {
    let limit = floor;
    if (mine.length > floor && roomAboveFloor > 0) {
      limit++;
      roomAboveFloor--;
    }
    for (const a of mine.slice(0, limit)) plan.get(node)!.add(a);
  }
  const placed = new Set([...plan.values()].flatMap((s) => [...s]));
  for (const account of sorted) {
    if (placed.has(account)) continue;
    for (const node of [...plan.keys()].sort(byScoreFor(account))) {
      const set = plan.get(node)!;
      if (set.size < floor || (set.size === floor && roomAboveFloor > 0)) {
        if (set.size === floor) roomAboveFloor--;
        set.add(account);
        break;
      }
    }
  }
  return plan;
}
