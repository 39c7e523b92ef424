/**
 * Decoding of WeChat's escaped text (protocol.md §10.5): literal `<br/>` line breaks, HTML
 * entities (sometimes doubled inside XML attributes) and `<span class="emoji emojiXXXX"></span>`
 * emoji spans, including the server's known wrong code points. Pure functions, no I/O.
 */

const NAMED_ENTITIES: Record<string, string> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
};

/**
 * Server-side emoji mistakes remapped to the intended code point: 1f639 and 1f64d from wechat4u,
 * the rest from itchat (both clients agree where they overlap).
 */
const EMOJI_REMAP: Record<string, string> = {
  '1f639': '1f602',
  '1f64d': '1f614',
  '1f63c': '1f601',
  '1f63a': '1f603',
  '1f4ab': '1f616',
  '1f63b': '1f60d',
  '1f63d': '1f618',
  '1f64e': '1f621',
  '1f63f': '1f622',
};

const ENTITY_RE = /&(#x[0-9a-f]+|#\d+|[a-z]+);/gi;
// The closing `>` is optional: itchat repairs a truncated `…emoji1f450"></span` (§10.5).
const EMOJI_RE = /<span class="emoji emoji([0-9a-f]+)"><\/span>?/gi;
const BR_RE = /<br\s*\/?>/gi;

function codePointString(hex: string): string {
  const cp = Number.parseInt(hex, 16);
  if (!Number.isFinite(cp) || cp < 0 || cp > 0x10ffff) return '';
  return String.fromCodePoint(cp);
}

/** The character(s) for an emoji class suffix: 4–5 hex digits = one code point, 8/10 = two. */
export function emojiFromHex(hexIn: string): string {
  const hex = hexIn.toLowerCase();
  const mapped = EMOJI_REMAP[hex] ?? hex;
  if (mapped.length === 8 || mapped.length === 10) {
    const half = mapped.length / 2;
    return codePointString(mapped.slice(0, half)) + codePointString(mapped.slice(half));
  }
  return codePointString(mapped);
}

/**
 * Replace HTML entities once (`&amp;lt;` becomes `&lt;`, as the wire is sometimes double-escaped).
 *
 * @example unescapeEntities('a &lt;b&gt; &amp;amp;') // 'a <b> &amp;'
 */
export function unescapeEntities(s: string): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(ENTITY_RE, (whole, body: string) => {
    if (body.charCodeAt(0) === 35 /* # */) {
      const cp = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      return Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/** Convert emoji spans to Unicode characters. */
export function decodeEmojiSpans(s: string): string {
  if (s.indexOf('<span') === -1) return s;
  return s.replace(EMOJI_RE, (_w, hex: string) => emojiFromHex(hex));
}

/**
 * Message/name text as a person reads it: `<br/>` → newline, then entities, then emoji spans
 * (the decode order of §10.5). Fast path when nothing needs decoding.
 *
 * @example decodeText('a<br/>&lt;b&gt;<span class="emoji emoji1f604"></span>') // 'a\n<b>😄'
 */
export function decodeText(s: string | undefined | null): string {
  if (!s) return '';
  if (s.indexOf('<') === -1 && s.indexOf('&') === -1) return s;
  let out = s.indexOf('<br') === -1 ? s : s.replace(BR_RE, '\n');
  // Emoji spans are real markup, entities may hide `<`: convert spans before unescaping so an
  // escaped `&lt;span…` in a text stays literal text.
  out = decodeEmojiSpans(out);
  return unescapeEntities(out);
}

/**
 * Prepare an escaped XML payload (Content of 3/42/47/49/10002/37/51 messages) for extraction:
 * unescape once and remove `<br/>` and tabs that some payloads put between tags (§10.5).
 */
export function unescapeXmlPayload(s: string): string {
  if (!s) return '';
  let out = s;
  if (out.indexOf('<br') !== -1) out = out.replace(BR_RE, '');
  if (out.indexOf('\t') !== -1) out = out.replace(/\t/g, '');
  return unescapeEntities(out);
}
