/**
 * Phrases: a sentence meant for a person (a settings problem, a plugin's failure, why nothing
 * replied) as a code and its parameters, so that the panel says it in the reader's language while
 * logs and the API keep the English. The one way such texts travel: the source picks a code from a
 * phrase book (the server's, `src/util/phrases.ts`, or a plugin's own `phrases`), `say()` fills its
 * English for the message, and the panel fills the reader's language from the same book. Parameters
 * are data (names, URLs, an error's exact text): they are never translated.
 */

export type PhraseParams = Record<string, string | number>;

/** A sentence by code, with the data it names. */
export interface Phrase {
  code: string;
  params?: PhraseParams;
}

/** One phrase in each language; `{name}` marks a parameter. */
export interface PhraseText {
  en: string;
  zh: string;
}

export type PhraseBook = Record<string, PhraseText>;

/** The text with its `{name}` placeholders filled (a missing parameter stays visible). */
export function fill(text: string, params: PhraseParams = {}): string {
  return text.replace(/\{(\w+)\}/g, (m: string, name: string) => (name in params ? String(params[name]) : m));
}

/**
 * A phrase of `book` and its English sentence.
 *
 * @example
 *   const { message, phrase } = say(PHRASES, 'trace.stopped', { plugin: 'echo' });
 */
export function say(book: PhraseBook, code: string, params?: PhraseParams): { message: string; phrase: Phrase } {
  const text = book[code];
  if (!text) throw new TypeError(`no phrase "${code}" in this book`);
  return { message: fill(text.en, params), phrase: { code, ...(params && { params }) } };
}

/**
 * A schema issue (zod: `ctx.addIssue({ code: 'custom', path, ...phraseIssue(…) })`, or the second
 * argument of `refine`) whose message is a phrase of `book`: the phrase travels in the issue's params.
 *
 * @example
 *   ctx.addIssue({ code: 'custom', path: ['text'], ...phraseIssue(RULE_PHRASES, 'text-needs-text') });
 */
export function phraseIssue(book: PhraseBook, code: string, params?: PhraseParams): { message: string; params: PhraseParams } {
  const { message } = say(book, code, params);
  return { message, params: { phrase: code, ...params } };
}

/** An error whose message is also a phrase (so the panel can show it in the reader's language). */
export class PhrasedError extends Error {
  constructor(
    message: string,
    readonly phrase: Phrase,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

function isPhrase(v: unknown): v is Phrase {
  const p = v as Phrase | null;
  return typeof p === 'object' && p !== null && typeof p.code === 'string' && (p.params === undefined || (typeof p.params === 'object' && p.params !== null));
}

/** The phrase an error carries (its own or, for a wrapper such as PluginError, its cause's). */
export function phraseOf(e: unknown): Phrase | undefined {
  for (let cur = e, depth = 0; cur && typeof cur === 'object' && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    const p = (cur as { phrase?: unknown }).phrase;
    if (isPhrase(p)) return p;
  }
  return undefined;
}

/** A stored phrase (JSON text) read back; undefined when absent or not a phrase. */
export function parsePhrase(json: string | null | undefined): Phrase | undefined {
  if (!json) return undefined;
  try {
    const p = JSON.parse(json) as unknown;
    return isPhrase(p) ? p : undefined;
  } catch {
    return undefined;
  }
}
