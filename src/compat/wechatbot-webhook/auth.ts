/**
 * The original's two guards. Every route first checks the token: `?token=`, or for the login page's
 * own requests (its SSE) the `token` of the Referer URL; the original token (LOGIN_API_TOKEN) and
 * any weiroto API token both pass, so one credential works in both places. Sends and `/resouces`
 * also need the account to be logged in.
 */
import { timingSafeEqual, createHash } from 'node:crypto';

export interface TokenCheck {
  /** LOGIN_API_TOKEN (or LOCAL_LOGIN_API_TOKEN); unset = only weiroto API tokens pass. */
  token?: string | undefined;
  /** weiroto's API tokens: a token that verifies passes; read-only ones only for GET. */
  verifyApiToken(plain: string): Promise<{ readOnly: boolean } | undefined>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The token a request carries: the query's, else (for the login page's requests) the Referer's. */
export function tokenOf(query: unknown, referer: string | undefined, refererAllowed: boolean): string | undefined {
  const q = (query as Record<string, unknown>).token;
  if (typeof q === 'string' && q) return q;
  if (!refererAllowed || !referer) return undefined;
  try {
    return new URL(referer).searchParams.get('token') ?? undefined;
  } catch {
    return undefined;
  }
}

export async function tokenPasses(check: TokenCheck, given: string | undefined, method: string): Promise<boolean> {
  if (!given) return false;
  if (check.token && timingSafeEqual(digest(check.token), digest(given))) return true;
  const api = await check.verifyApiToken(given);
  return !!api && (!api.readOnly || method === 'GET' || method === 'HEAD');
}
