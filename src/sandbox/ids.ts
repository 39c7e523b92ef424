/**
 * Identifier formats of protocol.md §1.4, generated from an injected random source so a seeded
 * sandbox is reproducible. Per-login UserNames are derived by hashing (salt, stable id), so a
 * session stores no table of them until it needs a reverse lookup.
 */
import { createHash } from 'node:crypto';

export type Rand = () => number;

const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randHex(rand: Rand, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[Math.floor(rand() * 16)];
  return s;
}

export function randDigits(rand: Rand, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(rand() * 10));
  return s;
}

function randB64(rand: Rand, n: number, alphabet = B64): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

/** QR uuid: 10 base64 chars + `==` (e.g. `4dcaWx3uBw==`). */
export function newUuid(rand: Rand): string {
  return randB64(rand, 10, B64 + '_-') + '==';
}

/** Login ticket `…@qrticket_0`. */
export function newTicket(rand: Rand): string {
  return randB64(rand, 24) + '@qrticket_0';
}

/** skey `@crypt_` + 8 hex + `_` + 32 hex. */
export function newSkey(rand: Rand): string {
  return `@crypt_${randHex(rand, 8)}_${randHex(rand, 32)}`;
}

/** wxsid: 16 chars of the base64 alphabet incl. `/` and `+`. */
export function newSid(rand: Rand): string {
  return randB64(rand, 16, B64 + '+/');
}

/** pass_ticket as it appears in the XML: already percent-encoded (contains %2B / %3D). */
export function newPassTicket(rand: Rand): string {
  return encodeURIComponent(randB64(rand, 46, B64 + '+/') + '+' + randB64(rand, 17) + '=');
}

/** webwx_data_ticket cookie value (opaque, base64-ish). */
export function newDataTicket(rand: Rand): string {
  return randB64(rand, 23, B64 + '+/') + 'Q';
}

/** A 19-digit 64-bit MsgId (always ≥ 2^53 so NewMsgId precision loss is reproduced). */
export function newMsgId(rand: Rand): string {
  return String(1 + Math.floor(rand() * 8)) + randDigits(rand, 18);
}

/** A 32-bit legacy id (`oldmsgid` in revoke XML). */
export function newOldMsgId(rand: Rand): string {
  return String(1_000_000_000 + Math.floor(rand() * 1_000_000_000));
}

/** `@crypt_` MediaId. */
export function newMediaId(rand: Rand): string {
  return `@crypt_${randHex(rand, 8)}_${randHex(rand, 96)}`;
}

/** Per-login UserName for a stable id: `@`+32 hex (people), `@`+64 hex (self), `@@`+64 hex (groups). */
export function loginUserName(salt: string, stableId: string, kind: 'person' | 'self' | 'room'): string {
  const digest = createHash(kind === 'person' ? 'md5' : 'sha256')
    .update(salt)
    .update('\0')
    .update(stableId)
    .digest('hex');
  return (kind === 'room' ? '@@' : '@') + digest;
}

/** EncryChatRoomId of a group for one login: `@` + 32 hex. */
export function encryChatRoomId(salt: string, roomId: string): string {
  return '@' + createHash('md5').update('encry\0').update(salt).update('\0').update(roomId).digest('hex');
}
