/**
 * Which nodes are alive: each node keeps a heartbeat key with a time to live and its name in the
 * `nodes` set. A node whose heartbeat ran out (kill -9, cut off) is dropped from the set by the
 * first node that notices.
 */
import type { Redis } from 'ioredis';
import { clusterKeys } from './keys.js';

export class NodeRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly node: string,
    private readonly ttlMs: number,
  ) {}

  /** Say we are alive for another time to live. */
  async heartbeat(startedAt: number): Promise<void> {
    await this.redis.multi().set(clusterKeys.node(this.node), String(startedAt), 'PX', this.ttlMs).sadd(clusterKeys.nodes, this.node).exec();
  }

  /** We are leaving (SIGTERM): others stop counting us at once. */
  async leave(): Promise<void> {
    await this.redis.multi().del(clusterKeys.node(this.node)).srem(clusterKeys.nodes, this.node).exec();
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

  /** Each live node's last heartbeat value (its start time), for the operators' view. */
  async startedAt(nodes: string[]): Promise<Map<string, number>> {
    const values = nodes.length ? await this.redis.mget(nodes.map((n) => clusterKeys.node(n))) : [];
    return new Map(nodes.flatMap((n, i) => (values[i] ? [[n, Number(values[i])] as const] : [])));
  }
}
