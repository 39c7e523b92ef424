/**
 * Deliveries in flight per webhook endpoint over the whole cluster: a sorted set per endpoint
 * (`weiroto:webhook-slots:<endpoint>`) of slot tokens scored by when they expire. A slot is given
 * back after its delivery. While it is held its node renews it every third of `ttlMs`, as a lease:
 * a node that died (kill -9, cut off) renews nothing, so its slots free themselves a lease's time
 * after it stopped, when its accounts move and its jobs stall to other nodes. (A slot that lived for
 * a fixed 45 s instead left a dead node's deliveries in flight for that long: with every slot of the
 * endpoint held by the dead node, no webhook went anywhere for 30 s after the failover.)
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { clusterKeys } from './keys.js';
import { systemClock, type Clock } from '../util/clock.js';

/** As src/webhook/worker.ts `EndpointSlots` asks (the cluster does not import the webhook layer). */
export interface EndpointSlots {
  acquire(endpointId: string, limit: number): Promise<string | undefined>;
  release(endpointId: string, token: string): Promise<void>;
}

export interface EndpointSlotsOptions {
  /** A slot not renewed for this long is free (LEASE_TTL_MS). */
  ttlMs: number;
  /** A slot is renewed for this long at most (longer than any delivery): one never given back by a live node frees itself too. */
  maxMs: number;
  clock?: Clock;
}

/** Drop expired slots; take one if fewer than the limit are held. KEYS: the set. ARGV: now, expiry, limit, token. */
const ACQUIRE = `
redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1])
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('zadd', KEYS[1], ARGV[2], ARGV[4])
redis.call('pexpireat', KEYS[1], ARGV[2])
return 1`;

/**
 * Push the expiry of the slots still held (a slot that expired meanwhile may have been given to another
 * delivery: it is not taken back). KEYS: the set. ARGV: expiry, tokens.
 */
const RENEW = `
local renewed = 0
for i = 2, #ARGV do
  if redis.call('zadd', KEYS[1], 'XX', 'CH', ARGV[1], ARGV[i]) == 1 then renewed = renewed + 1 end
end
if renewed > 0 then redis.call('pexpireat', KEYS[1], ARGV[1]) end
return renewed`;

export function endpointSlots(redis: Redis, o: EndpointSlotsOptions): EndpointSlots {
  const clock = o.clock ?? systemClock;
  /** The slots this node holds: token → its endpoint and when it was taken. */
  const held = new Map<string, { endpointId: string; since: number }>();
  /** Stops the renewals when no slot is held. */
  let renewing: AbortController | undefined;

  const renew = async (): Promise<void> => {
    const at = clock.now();
    const byEndpoint = new Map<string, string[]>();
    for (const [token, s] of held) {
      if (at - s.since >= o.maxMs) continue;
      const tokens = byEndpoint.get(s.endpointId);
      if (tokens) tokens.push(token);
      else byEndpoint.set(s.endpointId, [token]);
    }
    await Promise.all([...byEndpoint].map(([ep, tokens]) => redis.eval(RENEW, 1, clusterKeys.webhookSlots(ep), at + o.ttlMs, ...tokens)));
  };
  const keepRenewing = async (stop: AbortSignal): Promise<void> => {
    for (;;) {
      try {
        await clock.sleep(Math.max(1, Math.floor(o.ttlMs / 3)), stop);
      } catch {
        return; // no slot held any more
      }
      // A renewal that fails (Redis away) lets the slots lapse, as a dead node's would: the endpoint may get one delivery too many, never none.
      await renew().catch(() => {});
    }
  };

  return {
    async acquire(endpointId, limit) {
      const token = randomUUID();
      const at = clock.now();
      const got = Number(await redis.eval(ACQUIRE, 1, clusterKeys.webhookSlots(endpointId), at, at + o.ttlMs, limit, token));
      if (got !== 1) return undefined;
      held.set(token, { endpointId, since: at });
      if (!renewing) void keepRenewing((renewing = new AbortController()).signal);
      return token;
    },
    async release(endpointId, token) {
      held.delete(token);
      if (held.size === 0) {
        renewing?.abort();
        renewing = undefined;
      }
      await redis.zrem(clusterKeys.webhookSlots(endpointId), token);
    },
  };
}
