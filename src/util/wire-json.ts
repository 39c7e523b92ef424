/**
 * JSON from the wire: bodies are decoded as UTF-8 with replacement characters, and integers of 16
 * or more digits are turned into strings before `JSON.parse` so 64-bit ids (NewMsgId, MsgID
 * numbers) never lose precision (§1.4, §13). Strings are left untouched.
 */

const HAS_BIG = /[:[,]\s*-?\d{16,}/;
// Either a JSON string (skipped as is) or a long integer (quoted).
const STRING_OR_BIG = /"(?:[^"\\]|\\.)*"|(-?\d{16,})(?![\d.eE])/g;

/** Decode bytes as UTF-8; invalid sequences become U+FFFD instead of failing. */
export function decodeUtf8(data: Buffer | Uint8Array | string): string {
  if (typeof data === 'string') return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

/** Quote 16+ digit integers outside strings. Fast path when there are none. */
export function protectBigInts(text: string): string {
  if (!HAS_BIG.test(text)) return text;
  return text.replace(STRING_OR_BIG, (whole, big: string | undefined) => (big === undefined ? whole : `"${big}"`));
}

/**
 * Parse a JSON body, keeping big integers as strings. Throws SyntaxError on garbage.
 *
 * @example parseWireJson('{"NewMsgId": 179242112323992762}').NewMsgId // '179242112323992762'
 */
export function parseWireJson<T = unknown>(text: string): T {
  // Some bodies start with a BOM or whitespace; JSON.parse handles whitespace but not a BOM.
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return JSON.parse(protectBigInts(t)) as T;
}
