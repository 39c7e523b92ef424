/**
 * The one back-off formula: capped exponential with a proportional jitter band. Every retry loop
 * (sync loop, outbound queue, webhook deliveries and breaker, iLink sends, the login ladder) asks it
 * for its next pause, with its own base, cap and band, and draws randomness from the injected Clock,
 * so a FakeClock makes each schedule exact in tests.
 *
 * Why a band (±jitter around the exponential value) and not full or decorrelated jitter: both of
 * those can draw a pause near zero even when the cap is reached (full: uniform in [0, d];
 * decorrelated: uniform in [base, 3·previous]). The callers promise a schedule: webhooks document
 * "about 2 s, 4 s, 8 s … ±25 %" (docs/webhooks.md), and the login ladder must wait at least a
 * minute between attempts once it is capped, or an unreachable WeChat is hit every few seconds and
 * the account looks like a bot to WeChat's risk control. A band keeps both promises and still
 * spreads many clients that failed together (the point of jitter): with ±20 % two accounts that
 * failed at the same instant are, after five failures, typically seconds apart.
 */

export interface BackoffPolicy {
  /** The pause after the first failure (before jitter). */
  baseMs: number;
  /** No pause grows beyond this (before jitter). */
  maxMs: number;
  /** Half-width of the jitter band as a fraction of the pause: 0.25 → ×0.75…×1.25; 0 → none. */
  jitter: number;
}

/**
 * The pause after `failures` failures in a row (1 = the first): `baseMs · 2^(failures − 1)`,
 * capped at `maxMs`, then spread by ±`jitter`. Never below 1 ms for a positive base.
 *
 * @example
 *   backoffDelay(1, { baseMs: 2000, maxMs: 3_600_000, jitter: 0.25 }, () => clock.random()); // 1500–2500
 *   backoffDelay(30, { baseMs: 5000, maxMs: 300_000, jitter: 0.2 }, () => 0); // 240000
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random?: () => number): number {
  const { baseMs, maxMs, jitter } = policy;
  if (!(baseMs >= 0) || !(maxMs >= baseMs)) throw new RangeError(`backoff: need 0 ≤ baseMs ≤ maxMs (got ${baseMs}, ${maxMs})`);
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError(`backoff: jitter must be in [0, 1) (got ${jitter})`);
  if (jitter > 0 && !random) throw new RangeError('backoff: a jittered policy needs a random source (the Clock)');
  // 2^n overflows to Infinity for large n; min() then yields the cap, as it should.
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  if (exp === 0) return 0;
  const spread = jitter === 0 || !random ? 1 : 1 - jitter + 2 * jitter * random();
  return Math.max(1, Math.round(exp * spread));
}
