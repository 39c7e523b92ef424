/**
 * The one parser for every URL that comes in from outside (webhook endpoints from the API, the
 * panel or WEBHOOK_URL, files sent by URL, the AI plugin's base URL, AI_BASE_URL): checks run on
 * what it returns, never on the raw text, so " http://127.0.0.1/" cannot slip past a check that
 * looks at the text while the request goes to the parsed URL.
 */
import { z } from 'zod';
import { messageOf } from './error-text.js';

/** A URL that is not an http(s) URL weiroto will call; the message says why, for the user. */
export class UrlInputError extends Error {
  override readonly name = 'UrlInputError';
}

export const MAX_URL_LENGTH = 2000;

/**
 * Parse an http:// or https:// URL the way the request will see it (WHATWG, surrounding white
 * space trimmed), refusing other schemes, credentials and over-long text.
 *
 * @example
 *   parseHttpUrl(' http://Example.com:80/a ').href; // 'http://example.com/a'
 */
export function parseHttpUrl(raw: string): URL {
  const text = raw.trim();
  if (text.length > MAX_URL_LENGTH) throw new UrlInputError(`A URL may have at most ${MAX_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UrlInputError(`Not a valid URL: ${text.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UrlInputError('Only http:// and https:// URLs are allowed.');
  if (url.username || url.password) throw new UrlInputError('URLs with credentials are not allowed.');
  if (!url.hostname) throw new UrlInputError(`Not a valid URL: ${text.slice(0, 200)}`);
  return url;
}

/** The normal form of an http(s) URL (what is stored and compared). */
export function normaliseHttpUrl(raw: string): string {
  return parseHttpUrl(raw).href;
}

/** A zod string that must be an http(s) URL and comes out in its normal form. */
export const httpUrlSchema = z.string().transform((v, ctx) => {
  try {
    return normaliseHttpUrl(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: messageOf(e) });
    return z.NEVER;
  }
});
