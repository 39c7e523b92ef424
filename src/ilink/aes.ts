/**
 * The CDN's media crypto (ilink.md §7.1): AES-128-ECB with PKCS#7 padding, a fresh 16-byte key
 * per file, and the two encodings of that key seen on the wire.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Ciphertext size for `n` plaintext bytes: padding always adds 1–16 bytes. */
export function cipherSize(n: number): number {
  return Math.floor(n / 16) * 16 + 16;
}

export function encryptEcb(plain: Buffer, key: Buffer): Buffer {
  const c = createCipheriv('aes-128-ecb', key, null);
  return Buffer.concat([c.update(plain), c.final()]);
}

export function decryptEcb(cipher: Buffer, key: Buffer): Buffer {
  const d = createDecipheriv('aes-128-ecb', key, null);
  return Buffer.concat([d.update(cipher), d.final()]);
}

export function newMediaKey(): Buffer {
  return randomBytes(16);
}

export function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** Outbound `aes_key` ("form B"): base64 of the 32-character hex string, as the official client sends it. */
export function keyFormB(key: Buffer): string {
  return Buffer.from(key.toString('hex'), 'ascii').toString('base64');
}

const HEX32 = /^[0-9a-fA-F]{32}$/;

/**
 * The 16 key bytes from any encoding the server uses: a bare 32-hex string (`image_item.aeskey`),
 * base64 of 16 raw bytes (form A) or base64 of the hex string (form B). Throws on anything else.
 */
export function decodeMediaKey(encoded: string): Buffer {
  const s = encoded.trim();
  if (HEX32.test(s)) return Buffer.from(s, 'hex');
  const raw = Buffer.from(s, 'base64');
  if (raw.length === 16) return raw;
  const text = raw.toString('ascii');
  if (raw.length === 32 && HEX32.test(text)) return Buffer.from(text, 'hex');
  throw new Error(`iLink media key is neither 16 bytes nor 32 hex digits (${raw.length} bytes after base64)`);
}
