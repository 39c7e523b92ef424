/** Per-token rate limits: a token bucket each (src/util/token-bucket.ts); empty → 429 with Retry-After. */
import { TokenBucket } from '../util/token-bucket.js';

export interface RateLimitOptions {
  /** Burst size (default 60 requests). */
  capacity: number;
  /** Sustained rate (default 10 requests per second). */
  refillPerSec: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  constructor(
    private readonly options: RateLimitOptions,
    private readonly now: () => number,
  ) {}

  /** Take one token; returns 0 when allowed, else the milliseconds until one is available. */
  take(key: string): number {
    const t = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(this.options.capacity, 1000 / this.options.refillPerSec, t)));
    return bucket.tryTake(t);
  }
}
