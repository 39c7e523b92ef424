/**
 * The one token bucket of the code base: `burst` tokens, refilled continuously at one token per
 * `intervalMs`. Outbound pacing (src/bot/pacing.ts) and the API's per-token limit
 * (src/api/rate-limit.ts) use it. Time comes from the caller, so it runs on an injected clock.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  /**
   * @example
   *   const bucket = new TokenBucket(5, 3000, clock.now()); // burst 5, then one per 3 s
   *   if (bucket.wait(clock.now()) === 0) bucket.take(clock.now());
   */
  constructor(
    private readonly burst: number,
    private readonly intervalMs: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  private refill(now: number): void {
    if (now > this.at) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.at) / this.intervalMs);
      this.at = now;
    }
  }

  /** Milliseconds until a token is available (0 = now). Does not consume. */
  wait(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) * this.intervalMs);
  }

  /** Consume a token (the balance may go below zero: the caller already waited or chose to overdraw). */
  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }

  /** Take a token when one is there: 0, else the milliseconds until one is (nothing consumed). */
  tryTake(now: number): number {
    const wait = this.wait(now);
    if (wait === 0) this.tokens -= 1;
    return wait;
  }

  /** Whether the bucket is full again (an idle bucket that can be forgotten). */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}
