/**
 * Where a JSON text typed in the panel (the rules page, a plugin's JSON field) goes wrong, and why, in the
 * page's language. `JSON.parse` says it in the JS engine's English, worded differently from one Node release
 * to the next and not always with a position; this reads the text itself, after `JSON.parse` refused it.
 * It reads without recursion (a text nested thousands deep is read like any other).
 */
import type { Translate } from './i18n.js';
import { pieces, type Said } from './phrases.js';

export type JsonProblemKind = 'empty' | 'end' | 'unexpected' | 'trailingComma' | 'quotes' | 'lineBreak' | 'escape' | 'missingComma' | 'missingColon' | 'after';

export interface JsonProblem {
  kind: JsonProblemKind;
  /** Where, from 0, in UTF-16 units (a textarea's selection) */
  offset: number;
  /** From 1 */
  line: number;
  /** From 1, in characters */
  column: number;
  /** The character found there, when one is */
  found?: string;
}

const SPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[\p{L}_$][\p{L}\p{N}_$]*/uy;
const WORD_START = /[\p{L}_$]/u;
const LITERALS = new Set(['true', 'false', 'null']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /[0-9a-fA-F]{4}/y;
const STARTS_VALUE = /["[{\-\d'\p{L}_$]/u;

/**
 * The text's value, or its first problem when `JSON.parse` refuses it. Should this reading ever find nothing wrong
 * where `JSON.parse` did, `JSON.parse`'s error is thrown (a fault of the panel's, not the user's).
 */
export function parseJson(text: string): { value: unknown } | { problem: JsonProblem } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    const problem = jsonProblem(text);
    if (!problem) throw e;
    return { problem };
  }
}

/** The first problem of a text that is not JSON; undefined when it is valid JSON. */
export function jsonProblem(text: string): JsonProblem | undefined {
  let i = 0;
  const open: string[] = [];
  /** What may come next: a value, a value or the closing bracket, a name, a name or the closing brace, the colon, a comma or a closing one. */
  let expect = 'value' as 'value' | 'firstValue' | 'name' | 'firstName' | 'colon' | 'next';
  /** Where the comma just read is (a closing bracket after it is a trailing comma). */
  let comma = -1;
  const at = (kind: JsonProblemKind, offset = i): JsonProblem => place(text, kind, offset);
  for (;;) {
    while (i < text.length && SPACE.has(text[i]!)) i++;
    if (i >= text.length) {
      if (expect === 'next' && open.length === 0) return undefined;
      return at(text.trim() === '' ? 'empty' : 'end');
    }
    const c = text[i]!;
    if (expect === 'next') {
      if (open.length === 0) return at('after');
      const closing = open.at(-1) === '[' ? ']' : '}';
      if (c === ',') {
        comma = i++;
        expect = closing === ']' ? 'value' : 'name';
      } else if (c === closing) {
        open.pop();
        i++;
      } else return at(STARTS_VALUE.test(c) ? 'missingComma' : 'unexpected');
      continue;
    }
    if (expect === 'colon') {
      if (c !== ':') return at('missingColon');
      i++;
      expect = 'value';
      continue;
    }
    const afterComma = comma;
    comma = -1;
    if ((c === ']' && expect === 'firstValue') || (c === '}' && expect === 'firstName')) {
      open.pop();
      i++;
      expect = 'next';
      continue;
    }
    if ((c === ']' || c === '}') && afterComma >= 0) return place(text, 'trailingComma', i, c, afterComma);
    if (c === '"') {
      const problem = readString();
      if (problem) return problem;
      expect = expect === 'name' || expect === 'firstName' ? 'colon' : 'next';
      continue;
    }
    if (expect === 'name' || expect === 'firstName') return at(c === "'" || WORD_START.test(c) ? 'quotes' : 'unexpected');
    if (c === '[' || c === '{') {
      open.push(c);
      i++;
      expect = c === '[' ? 'firstValue' : 'firstName';
      continue;
    }
    if (c === "'") return at('quotes');
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const number = NUMBER.exec(text);
      if (!number) return i + 1 >= text.length ? at('end') : at('unexpected', i + 1);
      i += number[0].length;
      if (i < text.length && /[\d.eE+-]/.test(text[i]!)) return at('unexpected');
      expect = 'next';
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(text);
    if (!word) return at('unexpected');
    if (!LITERALS.has(word[0])) return at('quotes');
    i += word[0].length;
    expect = 'next';
  }

  /** Reads the string at `i` (its opening quote), leaving `i` after its closing one. */
  function readString(): JsonProblem | undefined {
    for (i++; i < text.length; i++) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return undefined;
      }
      if (c < ' ') return place(text, 'lineBreak', i);
      if (c !== '\\') continue;
      const e = text[i + 1];
      if (e === undefined) break;
      HEX4.lastIndex = i + 2;
      if (!(ESCAPES.has(e) || (e === 'u' && HEX4.test(text)))) return place(text, 'escape', i);
      i += e === 'u' ? 5 : 1;
    }
    return place(text, 'end', text.length);
  }
}

/**
 * The problem at `offset`, with its line and column. `found`: the character there, else the one at `offset`
 * (none at the end of the text); `pointAt`: where the problem is placed, when not at the character found.
 */
function place(text: string, kind: JsonProblemKind, offset: number, found?: string, pointAt = offset): JsonProblem {
  const before = text.slice(0, pointAt);
  const lineStart = before.lastIndexOf('\n') + 1;
  const char = found ?? (offset < text.length ? String.fromCodePoint(text.codePointAt(offset)!) : undefined);
  return {
    kind,
    offset: pointAt,
    line: before.split('\n').length,
    column: [...before.slice(lineStart)].length + 1,
    ...(char !== undefined && kind !== 'end' && { found: shown(char) }),
  };
}

/** A character as the page shows it: a control character by its code point. */
function shown(c: string): string {
  const code = c.codePointAt(0)!;
  return code < 0x20 || code === 0x7f ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : c;
}

/** The problem in the page's language: where (line, column), then what is wrong there. */
export function sayJsonProblem(t: Translate, p: JsonProblem): Said {
  const reason = pieces(t(`json.${p.kind}`), p.found === undefined ? {} : { found: p.found });
  if (p.kind === 'empty') return reason;
  return [...pieces(t('form.badJson'), { line: p.line, column: p.column }), ...reason];
}
