/**
 * A circuit breaker per endpoint: after `threshold` failures in a row the endpoint is left alone
 * for a cool-down (doubling on each re-open, capped), then one probe is let through (half-open);
 * a success closes it. Keeps a dead receiver from eating every retry slot.
 */
import { backoffDelay } from '../util/backoff.js';

export interface BreakerOptions {
  threshold: number;
  cooldownMs: number;
  maxCooldownMs: number;
}

interface State {
  failures: number;
  opens: number;
  openUntil: number;
  probing: boolean;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreakers {
  private readonly states = new Map<string, State>();
  constructor(private readonly options: BreakerOptions) {}

  private get(id: string): State {
    let s = this.states.get(id);
    if (!s) this.states.set(id, (s = { failures: 0, opens: 0, openUntil: 0, probing: false }));
    return s;
  }

  state(id: string, now: number): BreakerState {
    const s = this.states.get(id);
    if (!s || s.openUntil === 0) return 'closed';
    return now < s.openUntil ? 'open' : 'half-open';
  }

  /** Whether a delivery to this endpoint may start now; in half-open state only one probe at a time. */
  tryAcquire(id: string, now: number): boolean {
    const st = this.state(id, now);
    if (st === 'closed') return true;
    if (st === 'open') return false;
    const s = this.get(id);
    if (s.probing) return false;
    s.probing = true;
    return true;
  }

  success(id: string): void {
    const s = this.get(id);
    s.failures = 0;
    s.opens = 0;
    s.openUntil = 0;
    s.probing = false;
  }

  failure(id: string, now: number): void {
    const s = this.get(id);
    s.failures++;
    const wasProbe = s.probing;
    s.probing = false;
    if (wasProbe || s.failures >= this.options.threshold) {
      s.opens++;
      // No jitter: the cool-down only gates the endpoint; the deliveries' own retries carry the jitter.
      s.openUntil = now + backoffDelay(s.opens, { baseMs: this.options.cooldownMs, maxMs: this.options.maxCooldownMs, jitter: 0 });
    }
  }

  /** A delivery that ended without a verdict (stop): free the probe slot. */
  release(id: string): void {
    const s = this.states.get(id);
    if (s) s.probing = false;
  }

  /** The earliest time an open breaker lets a probe through (to sleep until then). */
  nextReopenAt(now: number): number | undefined {
    let t: number | undefined;
    for (const s of this.states.values()) if (s.openUntil > now && (t === undefined || s.openUntil < t)) t = s.openUntil;
    return t;
  }
}

export interface RetryOptions {
  /** First retry after about this long (default 2 s). */
  baseMs: number;
  /** Longest pause between two attempts (default 1 h). */
  maxMs: number;
  /** Give up (dead letter) this long after the event (default 24 h). */
  maxAgeMs: number;
}

/**
 * The pause before attempt `n + 1` after `n` failed attempts: exponential with ±25 % jitter, so
 * many deliveries failing together do not retry in lock-step (the schedule docs/webhooks.md states).
 *
 * @example
 *   backoffMs(1, { baseMs: 2000, maxMs: 3_600_000, maxAgeMs: 86_400_000 }, Math.random); // 1500–2500
 */
export function backoffMs(failedAttempts: number, o: RetryOptions, random: () => number): number {
  return backoffDelay(failedAttempts, { baseMs: o.baseMs, maxMs: o.maxMs, jitter: 0.25 }, random);
}

/** Retry-After as milliseconds (seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const t = Date.parse(header);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}
