/**
 * Standard Webhooks signing: `webhook-signature: v1,<base64 HMAC-SHA256(id.timestamp.body)>`, keyed
 * with the bytes after `whsec_` (base64). During a secret rotation both secrets sign, space separated,
 * so receivers holding either one verify (the spec allows several signatures in the header).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'whsec_';

/**
 * A new secret: `whsec_` + base64 of 32 random bytes.
 *
 * @example
 *   const secret = generateSecret(); // 'whsec_…' shown once to the user
 */
export function generateSecret(random: (n: number) => Buffer = randomBytes): string {
  return PREFIX + random(32).toString('base64');
}

/** Whether `secret` is a usable signing secret (`whsec_` + base64 of at least 24 bytes). */
export function isValidSecret(secret: string): boolean {
  if (!secret.startsWith(PREFIX)) return false;
  const b64 = secret.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  return Buffer.from(b64, 'base64').length >= 24;
}

/**
 * Turn any configured secret into a signing secret: a `whsec_` secret is kept as is, anything else
 * (WEBHOOK_SECRET=some long passphrase) becomes `whsec_` + base64 of its UTF-8 bytes, so the
 * receiver can use the same text with any Standard Webhooks library after that encoding.
 */
export function normaliseSecret(secret: string): string {
  return isValidSecret(secret) ? secret : PREFIX + Buffer.from(secret, 'utf8').toString('base64');
}

function keyOf(secret: string): Buffer {
  if (!secret.startsWith(PREFIX)) throw new Error('A webhook secret starts with whsec_.');
  return Buffer.from(secret.slice(PREFIX.length), 'base64');
}

/**
 * One `v1,` signature of a message.
 *
 * @example
 *   sign('whsec_…', 'msg_1', 1700000000, '{"type":"message.received"}'); // 'v1,K5oZ…'
 */
export function sign(secret: string, id: string, timestampSec: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSec}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The headers of one delivery attempt, signed with every given secret (newest first). */
export function signedHeaders(
  secrets: string[],
  id: string,
  timestampSec: number,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': secrets.map((s) => sign(s, id, timestampSec, body)).join(' '),
  };
}

/**
 * Check a received signature header against a secret (for receivers written in TypeScript and for
 * tests); constant-time per candidate.
 */
export function verifySignature(secret: string, id: string, timestampSec: number, body: string, header: string): boolean {
  const expected = Buffer.from(sign(secret, id, timestampSec, body).slice(3), 'base64');
  for (const part of header.split(' ')) {
    const [version, value] = part.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const got = Buffer.from(value, 'base64');
    if (got.length === expected.length && timingSafeEqual(got, expected)) return true;
  }
  return false;
}
