/**
 * Regular expressions that users type (auto-reply `regex` rules) run on RE2 (the pure-JavaScript
 * `re2js`), whose matching time grows linearly with the text: `(a+)+$` against 28 × `a` + `!`
 * takes microseconds instead of seconds, so no pattern can freeze the process. RE2 has no
 * backreferences and no lookaround (they are what makes backtracking engines exponential), so a
 * pattern that uses them is refused when it is saved, with a message that says why.
 */
import type { RE2JS } from 're2js';
import { requireLater } from '../../util/require-later.js';
import { messageOf } from '../../util/error-text.js';

/** re2js (about 1 MiB once loaded), required with the first pattern: most bots have no regex rule. */
const re2js = requireLater<{ RE2JS: typeof RE2JS }>('re2js');

/** A compiled user pattern: `exec` answers like `RegExp.prototype.exec` (numbered and named groups). */
export interface UserRegex {
  exec(text: string): RegExpExecArray | null;
}

/** A pattern RE2 cannot run (or that is not a regular expression at all); the message is for the user. */
export class UnsafePatternError extends Error {
  override readonly name = 'UnsafePatternError';
}

/**
 * Compile a user-supplied pattern on the linear-time engine; throws UnsafePatternError when it cannot.
 *
 * @example
 *   const re = compileUserRegex('(?<n>\\d+) apples', { ignoreCase: true });
 *   re.exec('12 Apples')?.groups?.n; // '12'
 */
export function compileUserRegex(pattern: string, options: { ignoreCase?: boolean } = {}): UserRegex {
  const RE2 = re2js().RE2JS;
  let re: RE2JS;
  try {
    re = RE2.compile(pattern, options.ignoreCase ? RE2.CASE_INSENSITIVE : 0);
  } catch (e) {
    throw new UnsafePatternError(explain(pattern, messageOf(e)));
  }
  return { exec: (text) => re.exec(text) as RegExpExecArray | null };
}

/** Why `pattern` cannot be saved, or undefined when it can (for schema checks). */
export function userRegexProblem(pattern: string): string | undefined {
  try {
    compileUserRegex(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function explain(pattern: string, engine: string): string {
  const why = engine.replace(/^error parsing regexp: /, '');
  if (/\\[1-9]/.test(pattern)) {
    return `backreferences such as \\1 are not supported: they can make matching take exponential time and freeze the server (${why})`;
  }
  if (/\(\?<?[=!]/.test(pattern)) {
    return `lookahead and lookbehind ((?=…), (?!…), (?<=…), (?<!…)) are not supported: they can make matching take exponential time and freeze the server (${why})`;
  }
  return `not a regular expression this server can run in linear time: ${why}`;
}
