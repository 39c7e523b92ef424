/**
 * Nodes starting together share the accounts (JOIN_WAIT_MS). Without this, the first node up finds
 * itself alone, takes every account, and hands most of them over again as the others join a few
 * seconds later: a login on the first node, a stop and a second login elsewhere, for each of them.
 *
 * The first node of a start (no node alive) opens a gathering for JOIN_WAIT_MS, in one Redis key the
 * nodes starting meanwhile read: until then every node plans over the nodes it expects, not only
 * those already up, and takes only its share; the shares of the nodes still to come stay free for
 * them. The nodes it expects are those that were up together last time (the last generation in
 * `weiroto:nodes-seen`, counted, not named: a node named after its process id comes back under a
 * new name). The gathering ends once that many nodes are up, or when its time is over: the nodes up
 * then share everything. A node alone that was alone last time takes everything at once. When Redis
 * remembers no node at all (the cluster's first start, or Redis lost its data), the count is unknown:
 * nodes take nothing until the gathering's time is over, then share what is there.
 */
import type { Redis } from 'ioredis';
import { clusterKeys } from './keys.js';
import type { NodeRegistry } from './node-registry.js';

/** What the nodes of one start expect, until when (epoch ms of the first node's clock). */
export interface Gathering {
  until: number;
  /** How many nodes were up together last time; undefined when no node is remembered. */
  nodes?: number;
}

/**
 * Nodes that said they left (or stopped beating) within this long of the last one are one generation:
 * a cluster's nodes stop within the shutdown limit (10 s) of each other, and a dead node's last beat is
 * at most a lease old. A node gone long before the rest was not part of the cluster that stopped last.
 */
const generationMs = (ttlMs: number): number => ttlMs + 10_000;

/**
 * Join the gathering under way, or open one when this node is the first of a start; undefined when
 * the cluster is running already (or `waitMs` is 0). Called before this node's first heartbeat.
 */
export async function gather(redis: Redis, registry: NodeRegistry, waitMs: number, ttlMs: number, now: number): Promise<Gathering | undefined> {
  if (waitMs <= 0) return undefined;
  const open = parse(await redis.get(clusterKeys.gathering));
  if (open) return open;
  if ((await registry.live()).length > 0) return undefined;
  const remembered = await registry.seen(now);
  const lastAlive = remembered.map((n) => n.leftAt ?? n.beatAt);
  const newest = Math.max(...lastAlive);
  const nodes = remembered.length ? lastAlive.filter((t) => t >= newest - generationMs(ttlMs)).length : undefined;
  const mine: Gathering = { until: now + waitMs, ...(nodes !== undefined && { nodes }) };
  // Two nodes starting at the same moment: the first to write opens it, the other joins that one.
  if ((await redis.set(clusterKeys.gathering, JSON.stringify(mine), 'PX', waitMs, 'NX')) === 'OK') return mine;
  return parse(await redis.get(clusterKeys.gathering));
}

/**
 * The nodes to plan over while a gathering lasts: the live ones, and a stand-in for each node still
 * expected (no live node's name can look like one); `takes` false while nothing is known of the
 * cluster's size. Undefined once the gathering is over.
 */
export function gatheringPlan(g: Gathering | undefined, live: readonly string[], now: number): { nodes: string[]; takes: boolean } | undefined {
  if (!g || now >= g.until) return undefined;
  if (g.nodes === undefined) return { nodes: [...live], takes: false };
  const missing = g.nodes - live.length;
  if (missing <= 0) return undefined;
  return { nodes: [...live, ...Array.from({ length: missing }, (_, i) => `(expected ${i + 1})`)], takes: true };
}

function parse(text: string | null): Gathering | undefined {
  try {
    const g = text ? (JSON.parse(text) as Gathering) : undefined;
    return g && typeof g.until === 'number' && (g.nodes === undefined || typeof g.nodes === 'number') ? g : undefined;
  } catch {
    return undefined;
  }
}
