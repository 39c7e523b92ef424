/**
 * Long text in pieces WeChat accepts (ilink.md §6.4: about 2000 characters; longer is cut or
 * refused). Pieces break at the best boundary before the limit — a paragraph, then a line, then a
 * sentence end, then a space — and a fenced code block is kept whole when it fits in one piece.
 * Characters are counted as code points so that an emoji is never split in two.
 */

export const DEFAULT_CHUNK_LIMIT = 2000;

const BOUNDARIES: RegExp[] = [/\n\s*\n/g, /\n/g, /[.!?。！？…](?=\s|$)|[。！？]/g, /\s/g];

export function splitText(text: string, limit = DEFAULT_CHUNK_LIMIT): string[] {
  if (limit < 1) throw new RangeError('splitText: limit must be at least 1');
  const chunks: string[] = [];
  let rest = text;
  while ([...rest].length > limit) {
    const cut = cutPoint(rest, limit);
    const head = rest.slice(0, cut).trimEnd();
    if (head) chunks.push(head);
    rest = rest.slice(cut).trimStart();
  }
  if (rest.trim()) chunks.push(rest);
  return chunks;
}

/** Index (in UTF-16 units) where the first piece of `text` ends. */
function cutPoint(text: string, limit: number): number {
  const max = unitsOf(text, limit);
  const window = text.slice(0, max);
  // Do not cut inside a code fence that started in this window, when the fence can stay whole.
  const fenceOpen = openFenceStart(window);
  if (fenceOpen > 0) return fenceOpen;
  for (const re of BOUNDARIES) {
    let best = -1;
    re.lastIndex = 0;
    for (let m = re.exec(window); m; m = re.exec(window)) {
      const end = m.index + m[0].length;
      if (end <= max && m.index > 0) best = end;
    }
    // A boundary in the first third would leave a tiny piece: try a weaker boundary instead.
    if (best > max / 3) return best;
  }
  return max;
}

/** Where an unclosed ``` fence starts inside `window` (0 or -1 = none or at the very start). */
function openFenceStart(window: string): number {
  const fences = [...window.matchAll(/^```/gm)];
  if (fences.length % 2 === 0) return -1;
  return fences[fences.length - 1]!.index;
}

/** UTF-16 length of the first `count` code points. */
function unitsOf(text: string, count: number): number {
  let units = 0;
  let n = 0;
  for (const ch of text) {
    if (n === count) break;
    units += ch.length;
    n++;
  }
  return units;
}
