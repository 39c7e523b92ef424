/** Per-token rate limits: a token bucket each, refilled continuously; empty → 429 with Retry-After. */
export interface RateLimitOptions {
  /** Burst size (default 60 requests). */
  capacity: number;
  /** Sustained rate (default 10 requests per second). */
  refillPerSec: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly options: RateLimitOptions,
    private readonly now: () => number,
  ) {}

  /** Take one token; returns 0 when allowed, else the milliseconds until one is available. */
  take(key: string): number {
    const t = this.now();
    const { capacity, refillPerSec } = this.options;
    const b = this.buckets.get(key) ?? { tokens: capacity, at: t };
    b.tokens = Math.min(capacity, b.tokens + ((t - b.at) / 1000) * refillPerSec);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / refillPerSec) * 1000);
  }
}
