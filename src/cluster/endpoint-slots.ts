/**
 * Deliveries in flight per webhook endpoint over the whole cluster: a sorted set per endpoint
 * (`weiroto:webhook-slots:<endpoint>`) of slot tokens scored by when they expire. A slot is given
 * back after its delivery; one whose node died expires after `holdMs` (longer than any delivery).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { clusterKeys } from './keys.js';

/** As src/webhook/worker.ts `EndpointSlots` asks (the cluster does not import the webhook layer). */
export interface EndpointSlots {
  acquire(endpointId: string, limit: number): Promise<string | undefined>;
  release(endpointId: string, token: string): Promise<void>;
}

/** Drop expired slots; take one if fewer than the limit are held. KEYS: the set. ARGV: now, expiry, limit, token. */
const ACQUIRE = `
redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1])
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('zadd', KEYS[1], ARGV[2], ARGV[4])
redis.call('pexpireat', KEYS[1], ARGV[2])
return 1`;

export function endpointSlots(redis: Redis, holdMs: number, now: () => number = Date.now): EndpointSlots {
  return {
    async acquire(endpointId, limit) {
      const token = randomUUID();
      const at = now();
      const got = Number(await redis.eval(ACQUIRE, 1, clusterKeys.webhookSlots(endpointId), at, at + holdMs, limit, token));
      return got === 1 ? token : undefined;
    },
    async release(endpointId, token) {
      await redis.zrem(clusterKeys.webhookSlots(endpointId), token);
    },
  };
}
