/**
 * Password hashing with scrypt (node:crypto). Stored as `scrypt$N$r$p$salt$hash` (base64), so the
 * cost can be raised without breaking existing hashes: a login with an older, cheaper hash stores a
 * new one (`needsRehash`). Comparison is constant-time.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// N = 2^17, r = 8, p = 1: OWASP's scrypt minimum (128 MiB and about half a second per hash).
const N = 2 ** 17;
const R = 8;
const P = 1;
const KEYLEN = 32;
// scrypt needs 128 * N * r bytes; leave room above that, and refuse stored costs beyond it.
const MAXMEM = 2 * 128 * N * R;

/** A well-formed hash of nothing, checked for unknown user names so they take as long as known ones. */
export const DUMMY_HASH = ['scrypt', N, R, P, 'AAAAAAAAAAAAAAAAAAAAAA==', 'AAAA'].join('$');

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEYLEN, { N: n, r, p, maxmem: MAXMEM }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * Hash a password for storage.
 *
 * @example
 *   const stored = await hashPassword('correct horse');
 *   await verifyPassword('correct horse', stored); // true
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Check a password against a stored hash; false for a malformed hash, never throws on bad input. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![n, r, p].every((x) => Number.isInteger(x) && x > 0) || 128 * n * r > MAXMEM) return false;
  const expected = Buffer.from(parts[5]!, 'base64');
  const key = await derive(password, Buffer.from(parts[4]!, 'base64'), n, r, p);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** True when `stored` was made with weaker settings than new hashes get (rehash it after a good login). */
export function needsRehash(stored: string): boolean {
  const [kind, n, r, p] = stored.split('$');
  return kind !== 'scrypt' || Number(n) < N || Number(r) !== R || Number(p) !== P;
}

/** The rule for new passwords (the same as ADMIN_PASSWORD's): at least 8 characters. */
export function passwordProblem(password: string): 'password.tooShort' | 'password.tooLong' | undefined {
  if (password.length < 8) return 'password.tooShort';
  if (password.length > 200) return 'password.tooLong';
  return undefined;
}
