/**
 * The cluster's nodes as an operator sees them (the panel's Nodes page, `GET /api/v1/nodes`): each
 * node seen in the last day, whether it is alive, late with its heartbeat or gone, its last
 * heartbeat, and the accounts whose lease it holds.
 */
import type { BotInfo, NodeOverview } from '../accounts/index.js';
import type { LeaseStore } from './lease-store.js';
import type { NodeRegistry } from './node-registry.js';

/**
 * A node renews its heartbeat every third of the lease's time to live: one that has not for two of
 * those is late (paused, overloaded, cut off), though its leases still stand.
 */
export async function nodeOverview(registry: NodeRegistry, leases: LeaseStore, accounts: BotInfo[], ttlMs: number, now: number): Promise<NodeOverview[]> {
  const [seen, holders] = await Promise.all([registry.seen(now), leases.holders(accounts.map((a) => a.id))]);
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const held = new Map<string, NodeOverview['accounts']>();
  for (const [id, h] of holders) {
    const a = byId.get(id)!;
    held.set(h.node, [...(held.get(h.node) ?? []), { id, name: a.name, state: a.state }]);
  }
  const lateAfter = (2 * ttlMs) / 3;
  return seen.map((s) => ({
    node: s.node,
    status: !s.beating || s.leftAt !== undefined ? 'gone' : now - s.beatAt > lateAfter ? 'late' : 'alive',
    startedAt: s.startedAt,
    lastHeartbeatAt: s.beatAt,
    ...(s.leftAt !== undefined && { leftAt: s.leftAt }),
    accounts: (held.get(s.node) ?? []).sort((x, y) => x.name.localeCompare(y.name)),
  }));
}
