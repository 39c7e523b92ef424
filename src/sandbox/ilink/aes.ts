/**
 * The CDN's crypto (ilink.md §7.1) for the sandbox side: the pure AES-128-ECB helpers are shared
 * with the iLink client (like the web sandbox shares pure formatters with src/protocol, design.md
 * §1); the sandbox adds form A and needs to know which form a key came in (§9.39).
 */
export { cipherSize, decryptEcb, encryptEcb, md5Hex, keyFormB as formB } from '../../ilink/aes.js';

/** Form A: base64 of the 16 raw key bytes (inbound images). */
export function formA(key: Buffer): string {
  return key.toString('base64');
}

/** Decode an `aes_key`: which form it was, and the 16 key bytes; undefined when neither. */
export function decodeAesKey(value: string): { form: 'A' | 'B'; key: Buffer } | undefined {
  const raw = Buffer.from(value, 'base64');
  if (raw.length === 16) return { form: 'A', key: raw };
  const text = raw.toString('ascii');
  if (raw.length === 32 && /^[0-9a-fA-F]{32}$/.test(text)) return { form: 'B', key: Buffer.from(text, 'hex') };
  return undefined;
}
