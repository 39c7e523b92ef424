/**
 * Split a long text into WeChat-sized messages, cutting at the most natural boundary that fits:
 * a blank line, then a line break, then the end of a sentence (Latin or CJK), then a space, and
 * only as a last resort in the middle of a word. Counted in code points, so emoji and CJK are
 * never cut in half.
 */

/** The default largest message: well under what WeChat accepts, and still readable on a phone. */
export const DEFAULT_MESSAGE_LENGTH = 1500;

const BOUNDARIES: RegExp[] = [/\n\s*\n/g, /\n/g, /[.!?。！？；;…](?=\s|$)|[。！？；…]/g, /[\s,，、]/g];

/**
 * Split `text` into parts of at most `max` code points each. Whitespace at the cut is dropped;
 * empty parts are never returned.
 *
 * @example
 *   splitText('a long answer…', 500); // ['a long answer…']
 *   splitText('one. two. three.', 9); // ['one. two.', 'three.']
 */
export function splitText(text: string, max: number = DEFAULT_MESSAGE_LENGTH): string[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`splitText: max must be a positive integer, got ${max}`);
  const parts: string[] = [];
  let rest = [...text.trim()];
  while (rest.length > max) {
    const window = rest.slice(0, max + 1).join('');
    const cut = bestCut(window, max);
    const head = [...window].slice(0, cut).join('').trimEnd();
    if (head) parts.push(head);
    rest = [...rest.slice(cut).join('').trimStart()];
  }
  const last = rest.join('');
  if (last) parts.push(last);
  return parts;
}

/** Where to cut `window` (max + 1 code points): just after the last boundary within `max`. */
function bestCut(window: string, max: number): number {
  const chars = [...window];
  for (const re of BOUNDARIES) {
    let best = -1;
    for (const m of window.matchAll(re)) {
      // Convert the UTF-16 index to a code point index.
      const end = [...window.slice(0, (m.index ?? 0) + m[0].length)].length;
      // A whitespace boundary may end at max + 1 (the space itself is dropped).
      if (end <= max || (end === max + 1 && /^\s+$/.test(m[0]))) best = end;
    }
    // Ignore cuts so early that they would leave a tiny first part.
    if (best > max / 4) return Math.min(best, max);
  }
  return Math.min(max, chars.length);
}
