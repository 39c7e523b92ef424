/**
 * A sliding-window rate limiter per key (per person, per chat): at most `limit` hits in any
 * `windowMs`. Time comes from the caller, so it works with an injected clock.
 *
 * Not the token bucket of src/util/token-bucket.ts, on purpose: a bucket allows a burst and then a
 * steady rate, and cannot say "5 per minute" exactly; this counts the hits of the last window, which
 * is what a plugin setting such as "answers per person per minute" promises its operator.
 */

export interface WindowLimiter {
  /** Count a hit for `key` at `now` if allowed; false (and nothing counted) when over the limit. */
  take(key: string, now: number): boolean;
  /** Milliseconds until `key` may hit again (0 = now). */
  retryIn(key: string, now: number): number;
  /** Forget every key. */
  clear(): void;
}

/**
 * Create a limiter; `limit` 0 means unlimited.
 *
 * @example
 *   const perPerson = createRateLimiter({ limit: 5, windowMs: 60_000 });
 *   if (!perPerson.take(ctx.message.senderId, api.clock.now())) return ctx.reply('slow down');
 */
export function createRateLimiter(o: { limit: number; windowMs: number }): WindowLimiter {
  const hits = new Map<string, number[]>();
  const recent = (key: string, now: number): number[] => {
    const list = (hits.get(key) ?? []).filter((t) => now - t < o.windowMs);
    if (list.length) hits.set(key, list);
    else hits.delete(key);
    return list;
  };
  return {
    take(key, now) {
      if (o.limit <= 0) return true;
      const list = recent(key, now);
      if (list.length >= o.limit) return false;
      list.push(now);
      hits.set(key, list);
      return true;
    },
    retryIn(key, now) {
      if (o.limit <= 0) return 0;
      const list = recent(key, now);
      return list.length < o.limit ? 0 : o.windowMs - (now - list[0]!);
    },
    clear: () => hits.clear(),
  };
}
