/**
 * Account leases in Redis: one key per account holding `<node>:<token>` with a time to live. Taking
 * a lease increments the account's fencing counter in the same script, so every holder has a token
 * greater than all before it; renewing and releasing check the holder in a script, so a node can
 * never extend or drop a lease another node took after its own ran out.
 */
import type { Redis } from 'ioredis';
import { clusterKeys } from './keys.js';

// KEYS: lease, fence. ARGV: node, ttl ms. Returns the new token, or 0 when the lease is held.
const ACQUIRE = `
if redis.call('exists', KEYS[1]) == 1 then return 0 end
local token = redis.call('incr', KEYS[2])
redis.call('set', KEYS[1], ARGV[1] .. ':' .. token, 'PX', ARGV[2])
return token`;

// KEYS: fence. ARGV: floor. Raises the fencing counter to the floor, never lowers it.
const RAISE_COUNTER = `
if tonumber(redis.call('get', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('set', KEYS[1], ARGV[1]) end
return 1`;

// KEYS: lease. ARGV: holder value, ttl ms. Returns 1 when renewed, 0 when the lease is not ours.
const RENEW = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;

// KEYS: lease. ARGV: holder value. Returns 1 when released, 0 when the lease was not ours.
const RELEASE = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

export interface LeaseHolder {
  node: string;
  token: number;
  /** Milliseconds until the lease expires unless renewed, as Redis counted when it was read. */
  ttlMs: number;
}

export class LeaseStore {
  constructor(
    private readonly redis: Redis,
    private readonly node: string,
    private readonly ttlMs: number,
  ) {}

  /** Take the account's lease if nobody holds it; returns the fencing token, or undefined. */
  async acquire(account: string): Promise<number | undefined> {
    const token = Number(await this.redis.eval(ACQUIRE, 2, clusterKeys.lease(account), clusterKeys.fence(account), this.node, this.ttlMs));
    return token > 0 ? token : undefined;
  }

  /**
   * Raise the account's fencing counter to at least `floor` (the fence the store holds). Redis keeps
   * the counter; the store keeps the highest token ever used. A Redis that lost its data (restarted
   * without persistence, or a replica promoted before it caught up) counts from 1 again, and every
   * token it hands out would be refused by the store's fence: this puts the counter back above it.
   */
  async raiseCounter(account: string, floor: number): Promise<void> {
    await this.redis.eval(RAISE_COUNTER, 1, clusterKeys.fence(account), floor);
  }

  /** The account's fencing counter: the greatest token Redis has handed out for it (0: none, or Redis lost it). */
  async counter(account: string): Promise<number> {
    return Number((await this.redis.get(clusterKeys.fence(account))) ?? 0);
  }

  /** Extend our lease by the time to live; false when it is no longer ours (expired, taken). */
  async renew(account: string, token: number): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, clusterKeys.lease(account), this.value(token), this.ttlMs)) === 1;
  }

  /** Drop our lease (a no-op when it is no longer ours). */
  async release(account: string, token: number): Promise<void> {
    await this.redis.eval(RELEASE, 1, clusterKeys.lease(account), this.value(token));
  }

  /** Whether we still hold the account's lease with this token (checked right before each send). */
  async holds(account: string, token: number): Promise<boolean> {
    return (await this.redis.get(clusterKeys.lease(account))) === this.value(token);
  }

  /** Who holds each account's lease and for how long yet (absent: nobody), read at one instant (MULTI). */
  async holders(accounts: string[]): Promise<Map<string, LeaseHolder>> {
    const found = new Map<string, LeaseHolder>();
    if (accounts.length === 0) return found;
    const multi = this.redis.multi();
    for (const a of accounts) multi.get(clusterKeys.lease(a)).pttl(clusterKeys.lease(a));
    const replies = (await multi.exec()) ?? [];
    accounts.forEach((a, i) => {
      const [getError, value] = replies[2 * i] ?? [];
      const [ttlError, ttl] = replies[2 * i + 1] ?? [];
      if (getError || ttlError) throw getError ?? ttlError;
      const v = typeof value === 'string' ? value : undefined;
      const cut = v?.lastIndexOf(':') ?? -1;
      // PTTL is -1 for a key without a time to live: no lease is ever set so.
      if (v && cut > 0 && Number(ttl) >= 0) found.set(a, { node: v.slice(0, cut), token: Number(v.slice(cut + 1)), ttlMs: Number(ttl) });
    });
    return found;
  }

  private value(token: number): string {
    return `${this.node}:${token}`;
  }
}
