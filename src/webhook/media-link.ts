/**
 * Signed, expiring links to a message's media: `/media/:account/:messageId?exp=<unix s>&sig=<mac>`,
 * where mac = base64url HMAC-SHA256(key, "account/messageId/exp"). Webhook bodies carry these so a
 * receiver can download an image without an API token.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface MediaLinks {
  /** A full URL (or undefined without a public base URL). */
  link(account: string, messageId: string, ttlMs?: number): string | undefined;
  /** Whether the query of a request is a valid, unexpired signature for this media. */
  verify(account: string, messageId: string, exp: string | undefined, sig: string | undefined): 'ok' | 'expired' | 'invalid';
}

/**
 * @example
 *   const links = createMediaLinks(key, 'https://bot.example.com', () => Date.now());
 *   links.link('a1', '123'); // https://bot.example.com/media/a1/123?exp=…&sig=…
 */
export function createMediaLinks(key: Buffer, publicUrl: string | undefined, now: () => number, defaultTtlMs = 7 * 86_400_000): MediaLinks {
  const mac = (account: string, messageId: string, exp: number): Buffer => createHmac('sha256', key).update(`${account}/${messageId}/${exp}`).digest();
  return {
    link: (account, messageId, ttlMs = defaultTtlMs) => {
      if (!publicUrl) return undefined;
      const exp = Math.floor((now() + ttlMs) / 1000);
      const sig = mac(account, messageId, exp).toString('base64url');
      return `${publicUrl.replace(/\/$/, '')}/media/${encodeURIComponent(account)}/${encodeURIComponent(messageId)}?exp=${exp}&sig=${sig}`;
    },
    verify: (account, messageId, exp, sig) => {
      if (!exp || !sig || !/^\d{1,12}$/.test(exp)) return 'invalid';
      const expected = mac(account, messageId, Number(exp));
      const got = Buffer.from(sig, 'base64url');
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) return 'invalid';
      return Number(exp) * 1000 < now() ? 'expired' : 'ok';
    },
  };
}
