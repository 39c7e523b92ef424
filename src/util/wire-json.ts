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

/** Decode bytes as UTF-8; invalid sequences become U+FFFD instead of failing. */
export function decodeUtf8(data: Buffer | Uint8Array | string): string {
  if (typeof data === 'string') return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

/** Whether the quote at `q` is escaped: an odd number of backslashes right before it. */
function escaped(b: Uint8Array, q: number): boolean {
  let k = q - 1;
  while (b[k] === BACKSLASH) k--;
  return (q - 1 - k) % 2 === 1;
}

/**
 * Where the integers of 16 or more digits outside strings are in a JSON body's bytes: [start, end, start, end…].
 * A scan of the bytes, not of the decoded text: the quotes, backslashes, digits and signs JSON is made of are ASCII,
 * and no byte of a multi-byte UTF-8 character is below 0x80, so a string's bytes are skipped as its characters would
 * be. Only plain integers count (a fraction or an exponent is left a number).
 */
function bigIntegers(b: Uint8Array): number[] {
  const at: number[] = [];
  const n = b.length;
  for (let i = 0; i < n;) {
    const c = b[i]!;
    if (c === QUOTE) {
      // To the closing quote, found by the typed array's own search (most of a body's bytes are inside strings): a
      // quote with an odd run of backslashes before it is escaped. An unterminated string runs to the end, and
      // JSON.parse rejects the body anyway.
      let q = b.indexOf(QUOTE, i + 1);
      while (q !== -1 && escaped(b, q)) q = b.indexOf(QUOTE, q + 1);
      i = q === -1 ? n : q + 1;
    } else if ((c >= 48 && c <= 57) || c === MINUS) {
      const digits = c === MINUS ? i + 1 : i;
      let j = digits;
      while (j < n && b[j]! >= 48 && b[j]! <= 57) j++;
      const integerEnd = j;
      while (j < n && inNumber(b[j]!)) j++;
      if (j === integerEnd && integerEnd - digits >= 16) at.push(i, j);
      i = j > i ? j : i + 1;
    } else i++;
  }
  return at;
}

/**
 * The body's bytes with its 16+ digit integers quoted (the same bytes when it has none). Quoted in the bytes, before
 * they are decoded, rather than in the decoded text: the text is then made once, not decoded and then built again
 * with the quotes (a sync answer of 100 messages, about 2 KB per echoed message; issue 17). The quotes go in by
 * moving the bytes after each integer, last one first, within one buffer: no piece is copied out of it.
 */
export function quoteBigInts(bytes: Uint8Array): Uint8Array {
  const at = bigIntegers(bytes);
  if (at.length === 0) return bytes;
  // Two quotes per integer: `at` holds two positions per integer.
  const out = Buffer.allocUnsafe(bytes.length + at.length);
  out.set(bytes);
  let tail = bytes.length;
  for (let k = at.length - 2; k >= 0; k -= 2) {
    // The k/2 integers before this one add k quotes before it; its own two follow.
    const start = at[k]!;
    const end = at[k + 1]!;
    out.copyWithin(end + k + 2, end, tail);
    out[end + k + 1] = QUOTE;
    out.copyWithin(start + k + 1, start, end);
    out[start + k] = QUOTE;
    tail = start;
  }
  return out;
}

/**
 * Quote 16+ digit integers outside strings (text already decoded: its UTF-8 bytes are quoted, see `quoteBigInts`).
 * Fast path when there are none.
 */
export function protectBigInts(text: string): string {
  if (!HAS_BIG.test(text)) return text;
  const bytes = Buffer.from(text, 'utf8');
  const quoted = quoteBigInts(bytes);
  return quoted === bytes ? text : decodeUtf8(quoted);
}

const BOM = [0xef, 0xbb, 0xbf];

/**
 * Parse a JSON body (its bytes, or its text), keeping big integers as strings. Throws SyntaxError on garbage.
 *
 * @example parseWireJson('{"NewMsgId": 179242112323992762}').NewMsgId // '179242112323992762'
 */
export function parseWireJson<T = unknown>(body: string | Uint8Array): T {
  // Some bodies start with a BOM or whitespace; JSON.parse handles whitespace but not a BOM.
  if (typeof body === 'string') return JSON.parse(protectBigInts(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body)) as T;
  const bom = body[0] === BOM[0] && body[1] === BOM[1] && body[2] === BOM[2];
  return JSON.parse(decodeUtf8(quoteBigInts(bom ? body.subarray(3) : body))) as T;
}
