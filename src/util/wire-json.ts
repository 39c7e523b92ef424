/**
 * JSON from the wire: bodies are decoded as UTF-8 with replacement characters, and integers of 16
 * or more digits are turned into strings before `JSON.parse` so 64-bit ids (NewMsgId, MsgID
 * numbers) never lose precision (§1.4, §13). Strings are left untouched.
 */

const HAS_BIG = /[:[,]\s*-?\d{16,}/;

const QUOTE = 34;
const BACKSLASH = 92;
const MINUS = 45;

/** A character that may continue a JSON number token (digits, sign, fraction, exponent). */
function inNumber(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === MINUS;
}

/** Where the JSON string that opens at `open` closes (index of its closing quote), or -1. */
function stringEnd(text: string, open: number): number {
  for (let at = text.indexOf('"', open + 1); at >= 0; at = text.indexOf('"', at + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
  return -1;
}

/** Decode bytes as UTF-8; invalid sequences become U+FFFD instead of failing. */
export function decodeUtf8(data: Buffer | Uint8Array | string): string {
  if (typeof data === 'string') return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

/**
 * Quote 16+ digit integers outside strings. Fast path when there are none. A scan rather than a
 * replace over every string of the body: a sync answer of 100 messages holds thousands of strings,
 * and matching each one (a callback and a substring per string) cost several times the JSON.parse
 * that follows (bench/compare profile). Strings are skipped with indexOf; only number tokens that
 * are plain integers are quoted (a fraction or an exponent is left as it is).
 */
export function protectBigInts(text: string): string {
  if (!HAS_BIG.test(text)) return text;
  let out = '';
  let copied = 0;
  const n = text.length;
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      // An unterminated string: JSON.parse rejects the body anyway.
      if (end < 0) return text;
      i = end + 1;
    } else if ((c >= 48 && c <= 57) || c === MINUS) {
      const digits = c === MINUS ? i + 1 : i;
      let j = digits;
      while (j < n && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
      const integerEnd = j;
      while (j < n && inNumber(text.charCodeAt(j))) j++;
      if (j === integerEnd && integerEnd - digits >= 16) {
        out += text.slice(copied, i) + '"' + text.slice(i, j) + '"';
        copied = j;
      }
      i = j > i ? j : i + 1;
    } else i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
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
