/**
 * JSON as the original's users actually write it. Two of its own README examples are not JSON (an
 * unquoted `data:` key, a trailing comma), and its v1 form accepts `{alias: 'x'}` for `to`; weiroto
 * accepts unquoted keys, single-quoted strings and trailing commas, and nothing looser (no
 * comments, no bare values), so a real typo still gets the "not a valid json" answer.
 */

export class LenientJsonError extends Error {
  override readonly name = 'LenientJsonError';
}

/**
 * @example
 *   parseLenientJson('{to: "Alice", data: {content: "hi"},}'); // { to: 'Alice', data: { content: 'hi' } }
 */
export function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // fall through to the lenient reader
  }
  let i = 0;
  const fail = (what: string): never => {
    throw new LenientJsonError(`${what} at position ${i}`);
  };
  const space = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const quoted = (): string => {
    const q = text[i]!;
    let out = '';
    i++;
    while (i < text.length && text[i] !== q) {
      const c = text[i]!;
      if (c === '\\') {
        const n = text[i + 1];
        if (n === undefined) fail('unfinished escape');
        if (n === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
          continue;
        }
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '/': '/', '\\': '\\', '"': '"', "'": "'" };
        const m = map[n!];
        if (m === undefined) fail('bad escape');
        out += m;
        i += 2;
        continue;
      }
      if (c === '\n') fail('newline in a string');
      out += c;
      i++;
    }
    if (text[i] !== q) fail('unterminated string');
    i++;
    return out;
  };
  const value = (): unknown => {
    space();
    const c = text[i];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"' || c === "'") return quoted();
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i));
    if (!lit) return fail('unexpected character');
    i += lit[0].length;
    return JSON.parse(lit[0]) as unknown;
  };
  const key = (): string => {
    space();
    const c = text[i];
    if (c === '"' || c === "'") return quoted();
    const m = /^[A-Za-z_$][\w$]*/.exec(text.slice(i));
    if (!m) return fail('expected a key');
    i += m[0].length;
    return m[0];
  };
  const object = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    i++;
    for (;;) {
      space();
      if (text[i] === '}') {
        i++;
        return out;
      }
      const k = key();
      space();
      if (text[i] !== ':') fail('expected ":"');
      i++;
      out[k] = value();
      space();
      if (text[i] === ',') i++;
      else if (text[i] !== '}') fail('expected "," or "}"');
    }
  };
  const array = (): unknown[] => {
    const out: unknown[] = [];
    i++;
    for (;;) {
      space();
      if (text[i] === ']') {
        i++;
        return out;
      }
      out.push(value());
      space();
      if (text[i] === ',') i++;
      else if (text[i] !== ']') fail('expected "," or "]"');
    }
  };
  const result = value();
  space();
  if (i !== text.length) fail('trailing characters');
  return result;
}
