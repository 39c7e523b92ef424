/**
 * The CDN's crypto (ilink.md §7.1): AES-128-ECB with PKCS#7 padding and the two encodings of
 * `aes_key` (form A = base64 of the 16 raw bytes, form B = base64 of the 32-char hex string).
 * The sandbox keeps its own copy: it never imports the client (design.md §1).
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

export function encryptEcb(plain: Buffer, key: Buffer): Buffer {
  const c = createCipheriv('aes-128-ecb', key, null);
  return Buffer.concat([c.update(plain), c.final()]);
}

/** Throws when the key is wrong (bad padding) or the length is not a multiple of 16. */
export function decryptEcb(cipher: Buffer, key: Buffer): Buffer {
  const d = createDecipheriv('aes-128-ecb', key, null);
  return Buffer.concat([d.update(cipher), d.final()]);
}

/** Ciphertext size of `n` plaintext bytes: floor(n/16)*16 + 16. */
export function cipherSize(n: number): number {
  return Math.floor(n / 16) * 16 + 16;
}

export function md5Hex(b: Buffer): string {
  return createHash('md5').update(b).digest('hex');
}

export function formA(key: Buffer): string {
  return key.toString('base64');
}

export function formB(key: Buffer): string {
  return Buffer.from(key.toString('hex'), 'ascii').toString('base64');
}

/** Decode an `aes_key`: which form it was, and the 16 key bytes; undefined when neither. */
export function decodeAesKey(value: string): { form: 'A' | 'B'; key: Buffer } | undefined {
  const raw = Buffer.from(value, 'base64');
  if (raw.length === 16) return { form: 'A', key: raw };
  const text = raw.toString('ascii');
  if (raw.length === 32 && /^[0-9a-fA-F]{32}$/.test(text)) return { form: 'B', key: Buffer.from(text, 'hex') };
  return undefined;
}
