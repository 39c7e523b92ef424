/**
 * Which nodes are alive: each node keeps a heartbeat key with a time to live and its name in the
 * `nodes` set. A node whose heartbeat ran out (kill -9, cut off) is dropped from the set by the
 * first node that notices.
 */
import type { Redis } from 'ioredis';
import { clusterKeys } from './keys.js';

/** A node as the panel lists it: when it started, its last heartbeat, and when it said it left. */
export interface NodeSeen {
  startedAt: number;
  beatAt: number;
  leftAt?: number;
}

/** A node gone (no heartbeat) this long is no longer listed. */
const FORGET_AFTER_MS = 24 * 3600_000;

export class NodeRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly node: string,
    private readonly ttlMs: number,
  ) {}

  /** Say we are alive for another time to live (and, for the panel, when we said so last). */
  async heartbeat(startedAt: number, now: number): Promise<void> {
    await this.redis
      .multi()
      .set(clusterKeys.node(this.node), String(startedAt), 'PX', this.ttlMs)
      .sadd(clusterKeys.nodes, this.node)
      .hset(clusterKeys.seen, this.node, JSON.stringify({ startedAt, beatAt: now } satisfies NodeSeen))
      .exec();
  }

  /** We are leaving (SIGTERM): others stop counting us at once. */
  async leave(now: number): Promise<void> {
    const seen = this.parse(await this.redis.hget(clusterKeys.seen, this.node));
    await this.redis
      .multi()
      .del(clusterKeys.node(this.node))
      .srem(clusterKeys.nodes, this.node)
      .hset(clusterKeys.seen, this.node, JSON.stringify({ startedAt: seen?.startedAt ?? now, beatAt: seen?.beatAt ?? now, leftAt: now } satisfies NodeSeen))
      .exec();
  }

  /**
   * Every node seen in the last day with its start, last heartbeat and whether its heartbeat key
   * still stands (a node gone longer is forgotten here).
   */
  async seen(now: number): Promise<(NodeSeen & { node: string; beating: boolean })[]> {
    const all = await this.redis.hgetall(clusterKeys.seen);
    const names = Object.keys(all).sort();
    const beats = names.length ? await this.redis.mget(names.map((n) => clusterKeys.node(n))) : [];
    const out: (NodeSeen & { node: string; beating: boolean })[] = [];
    const forget: string[] = [];
    names.forEach((node, i) => {
      const seen = this.parse(all[node]);
      if (!seen) return;
      if (beats[i] === null && now - seen.beatAt > FORGET_AFTER_MS) forget.push(node);
      else out.push({ node, ...seen, beating: beats[i] !== null });
    });
    if (forget.length) await this.redis.hdel(clusterKeys.seen, ...forget);
    return out;
  }

  private parse(text: string | null | undefined): NodeSeen | undefined {
    try {
      const v = text ? (JSON.parse(text) as NodeSeen) : undefined;
      return v && typeof v.startedAt === 'number' && typeof v.beatAt === 'number' ? v : undefined;
    } catch {
      return undefined;
    }
  }

  /** The nodes whose heartbeat is current, sorted; the dead ones are pruned from the set. */
  async live(): Promise<string[]> {
    const names = await this.redis.smembers(clusterKeys.nodes);
    if (names.length === 0) return [];
    const beats = await this.redis.mget(names.map((n) => clusterKeys.node(n)));
    const dead = names.filter((_, i) => beats[i] === null);
    if (dead.length) await this.redis.srem(clusterKeys.nodes, ...dead);
    return names.filter((_, i) => beats[i] !== null).sort();
  }
}
