/**
 * WeChat's codes (§9) → TransportError kinds. One table so every call classifies alike.
 */
import type { LogoutReason } from '../transport/transport.js';
import { TransportError } from '../transport/errors.js';
import type { RawBaseResponse } from './raw-types.js';

export const LOGOUT_CODES = new Set([1100, 1101, 1102]);

/** 1100 = logged out on the phone / no session; 1101/1102 = kicked or expired (§5.5). */
export function logoutReasonFor(code: number): LogoutReason {
  return code === 1100 ? 'phone-logout' : 'kicked';
}

/**
 * The `type` of webwxlogout (§5.7): the official client sends 1 after the session was lost to
 * 1101/1102/1205 and 0 otherwise (a requested logout, or 1100 = already logged out on the phone).
 */
export function logoutTypeFor(code?: number): 0 | 1 {
  return code === 1101 || code === 1102 || code === 1205 ? 1 : 0;
}

/** The error for a non-zero Ret. */
export function retError(what: string, ret: number, errMsg?: string): TransportError {
  const detail = errMsg ? `: ${errMsg}` : '';
  if (LOGOUT_CODES.has(ret)) return new TransportError('logged-out', `${what}: session ended (Ret ${ret})${detail}`, ret);
  if (ret === 1205) return new TransportError('rate-limited', `${what}: WeChat frequency limit (Ret 1205)${detail}`, ret);
  if (ret === 1204 || ret === 1201) {
    const why = ret === 1204 ? 'target not allowed (own long UserName or a non-friend; use filehelper for notes)' : 'the group no longer exists';
    return new TransportError('rejected', `${what}: ${why} (Ret ${ret})${detail}`, ret);
  }
  return new TransportError('server', `${what}: WeChat answered Ret ${ret}${detail}`, ret);
}

/** Throw unless BaseResponse.Ret is 0 (or one of `okCodes`). A missing BaseResponse is garbage. */
export function checkBase(what: string, body: { BaseResponse?: RawBaseResponse } | undefined, okCodes: readonly number[] = []): void {
  const base = body?.BaseResponse;
  if (!base || typeof base.Ret !== 'number') throw new TransportError('network', `${what}: unreadable answer (no BaseResponse)`);
  if (base.Ret !== 0 && !okCodes.includes(base.Ret)) throw retError(what, base.Ret, base.ErrMsg);
}
