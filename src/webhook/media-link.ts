/**
 * Signed, expiring links to a message's media: `/media/:account/:messageId?exp=<unix s>&sig=<mac>`,
 * where mac = base64url HMAC-SHA256(key, "account/messageId/exp"). Webhook bodies carry these so a
 * receiver can download an image without an API token.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkVerdict = 'ok' | 'expired' | 'invalid';

export interface MediaLinks {
  /** A full URL (or undefined without a public base URL). */
  link(account: string, messageId: string, ttlMs?: number): string | undefined;
  /** Whether the query of a request is a valid, unexpired signature for this media. */
  verify(account: string, messageId: string, exp: string | undefined, sig: string | undefined): LinkVerdict;
  /**
   * `/media/avatar/:account/:contactId?exp=&sig=`: a contact's or a room's avatar, fetched from
   * WeChat with the session of the moment, so no session secret is ever handed out.
   */
  avatarLink(account: string, contactId: string, ttlMs?: number): string | undefined;
  verifyAvatar(account: string, contactId: string, exp: string | undefined, sig: string | undefined): LinkVerdict;
}

/**
 * @example
 *   const links = createMediaLinks(key, 'https://bot.example.com', () => Date.now());
 *   links.link('a1', '123'); // https://bot.example.com/media/a1/123?exp=…&sig=…
 */
export function createMediaLinks(key: Buffer, publicUrl: string | undefined, now: () => number, defaultTtlMs = 7 * 86_400_000): MediaLinks {
  // Avatar links sign another text (NUL-separated), so one kind of link never passes for the other.
  const mac = (text: string): Buffer => createHmac('sha256', key).update(text).digest();
  const messageText = (account: string, id: string, exp: number): string => `${account}/${id}/${exp}`;
  const avatarText = (account: string, id: string, exp: number): string => `avatar\0${account}\0${id}\0${exp}`;
  const sign = (path: string, text: (exp: number) => string, ttlMs: number): string | undefined => {
    if (!publicUrl) return undefined;
    const exp = Math.floor((now() + ttlMs) / 1000);
    return `${publicUrl.replace(/\/$/, '')}${path}?exp=${exp}&sig=${mac(text(exp)).toString('base64url')}`;
  };
  const check = (text: (exp: number) => string, exp: string | undefined, sig: string | undefined): LinkVerdict => {
    if (!exp || !sig || !/^\d{1,12}$/.test(exp)) return 'invalid';
    const expected = mac(text(Number(exp)));
    const got = Buffer.from(sig, 'base64url');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return 'invalid';
    return Number(exp) * 1000 < now() ? 'expired' : 'ok';
  };
  const path = (...parts: string[]): string => '/media/' + parts.map(encodeURIComponent).join('/');
  return {
    link: (account, messageId, ttlMs = defaultTtlMs) => sign(path(account, messageId), (exp) => messageText(account, messageId, exp), ttlMs),
    verify: (account, messageId, exp, sig) => check((e) => messageText(account, messageId, e), exp, sig),
    avatarLink: (account, contactId, ttlMs = defaultTtlMs) => sign(path('avatar', account, contactId), (exp) => avatarText(account, contactId, exp), ttlMs),
    verifyAvatar: (account, contactId, exp, sig) => check((e) => avatarText(account, contactId, e), exp, sig),
  };
}
