/**
 * Frequency control per session and action (protocol.md §9 1205, §15 #32): a sliding window of
 * timestamps, created only when a session first uses a limited action.
 */
import type { WxCtx } from './http.js';
import type { RateAction } from './options.js';
import type { Session } from './session.js';

/** True when `action` is over its limit for this session (the call must answer Ret 1205). */
export function rateLimited(c: WxCtx, s: Session, action: RateAction): boolean {
  const limits = c.st.opts.rateLimits;
  if (limits === false) return false;
  const limit = limits[action];
  if (!limit) return false;
  const now = c.st.now();
  s.rate ??= new Map();
  const list = s.rate.get(action) ?? [];
  while (list.length && (list[0] as number) <= now - limit.perMs) list.shift();
  if (list.length >= limit.max) {
    s.rate.set(action, list);
    return true;
  }
  list.push(now);
  s.rate.set(action, list);
  return false;
}
