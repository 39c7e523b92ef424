/**
 * The login throttle. Each attempt is counted *before* the slow password check, so parallel
 * guesses cannot all slip through between a read of the counter and the write after scrypt.
 *
 * Two limits, both in memory (one instance per panel, never shared between servers):
 * - per (client address, user name): `perPair` failures within `pairWindowMs` block that pair only,
 *   so a stranger who fails five times for "admin" locks out themselves, not the admin;
 * - a global ceiling: at most `globalMax` checked attempts within `globalWindowMs` for the whole
 *   panel, which bounds distributed guessing (and scrypt's CPU and memory). It is a short window:
 *   refused attempts are not counted, so it slows everyone for at most one window, never locks out.
 */

export interface LoginThrottleOptions {
  perPair?: number;
  pairWindowMs?: number;
  globalMax?: number;
  globalWindowMs?: number;
}

/** What `begin` answers: go ahead and report the outcome, or wait. */
export type LoginAttempt = { ok: true; settle(succeeded: boolean): void } | { ok: false; retryAfterMs: number; scope: 'pair' | 'global' };

export class LoginThrottle {
  private pairs = new Map<string, number[]>();
  private global: number[] = [];
  private readonly perPair: number;
  private readonly pairWindowMs: number;
  private readonly globalMax: number;
  private readonly globalWindowMs: number;

  constructor(
    private now: () => number,
    options: LoginThrottleOptions = {},
  ) {
    this.perPair = options.perPair ?? 5;
    this.pairWindowMs = options.pairWindowMs ?? 15 * 60_000;
    this.globalMax = options.globalMax ?? 60;
    this.globalWindowMs = options.globalWindowMs ?? 60_000;
  }

  /**
   * Count an attempt of `user` from `address`, or refuse it. The attempt stays counted as a failure
   * until `settle(true)` takes it back.
   *
   * @example
   *   const attempt = throttle.begin(ctx.ip, username);
   *   if (!attempt.ok) return tooMany(attempt.retryAfterMs);
   *   attempt.settle(await verifyPassword(password, hash));
   */
  begin(address: string, user: string): LoginAttempt {
    const t = this.now();
    const key = `${address}\n${user.toLowerCase()}`;
    const pair = this.recent(this.pairs.get(key) ?? [], t - this.pairWindowMs);
    if (pair.length >= this.perPair) return { ok: false, scope: 'pair', retryAfterMs: pair[0]! + this.pairWindowMs - t };
    this.global = this.recent(this.global, t - this.globalWindowMs);
    if (this.global.length >= this.globalMax) return { ok: false, scope: 'global', retryAfterMs: this.global[0]! + this.globalWindowMs - t };
    pair.push(t);
    this.pairs.set(key, pair);
    this.global.push(t);
    if (this.pairs.size > 10_000) this.pairs.delete(this.pairs.keys().next().value!);
    let settled = false;
    return {
      ok: true,
      settle: (succeeded) => {
        if (settled || !succeeded) return void (settled = true);
        settled = true;
        // A success clears the pair's failures and gives its slot of the ceiling back.
        this.pairs.delete(key);
        const i = this.global.lastIndexOf(t);
        if (i >= 0) this.global.splice(i, 1);
      },
    };
  }

  private recent(list: number[], since: number): number[] {
    return list.filter((x) => x > since);
  }
}
