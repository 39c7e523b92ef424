/**
 * Saying a phrase (src/util/phrase.ts) in the page's language: the plugin's own book when the text
 * is a plugin's, else the server's. In English the source's own message is shown (it is what the
 * logs and the API say); in Chinese the book's text, with each parameter kept apart as data (views
 * draw it as `<bdi class="datum">`: names, URLs and exact errors are never translated). A text
 * without a phrase, or with a code no book knows, is shown as its English message.
 */
import type { Locale, Translate } from './i18n.js';
import { PHRASES } from '../util/phrase-book.js';
import type { Phrase, PhraseBook } from '../util/phrase.js';

/** A said text in pieces: words of the page's language, and data. */
export type Said = { text: string; datum?: true }[];

/** What the views call: `say(message, phrase, plugin)` → pieces for `partials/said`. */
export type Say = (message: string, phrase?: Phrase, plugin?: string) => Said;

/** The phrase books of installed plugins, by plugin name. */
export type PluginPhrases = (plugin: string) => PhraseBook | undefined;

/**
 * A template with `{name}` placeholders (a catalog text, a phrase) and its parameters, as pieces:
 * the parameters apart, as data.
 *
 * @example
 *   pieces(t('form.badJson'), { line: 3, column: 33 })
 */
export function pieces(text: string, params: Phrase['params'] = {}): Said {
  const out: Said = [];
  let last = 0;
  for (const m of text.matchAll(/\{(\w+)\}/g)) {
    const name = m[1]!;
    if (!(name in params)) continue;
    if (m.index > last) out.push({ text: text.slice(last, m.index) });
    out.push({ text: String(params[name]), datum: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

/**
 * The `say` of one page.
 *
 * @example
 *   const say = sayer('zh-CN', (name) => registry.phrases(name));
 *   say('no plugin matched', { code: 'trace.no-match' }); // [{ text: '没有插件匹配' }]
 */
export function sayer(locale: Locale, pluginPhrases: PluginPhrases): Say {
  const book: PhraseBook = PHRASES;
  return (message, phrase, plugin) => {
    const text = phrase && ((plugin ? pluginPhrases(plugin)?.[phrase.code] : undefined) ?? book[phrase.code]);
    if (!text) return [{ text: message }];
    // English: the source's own words when it gave them (a custom schema message says more than the book).
    if (locale === 'en') return message ? [{ text: message }] : pieces(text.en, phrase.params);
    return pieces(text.zh, phrase.params);
  };
}

/**
 * Who sent an outbound message (`panel:alice`, `plugin:ai`, `api` …) in the page's language; a
 * source the catalog does not know is shown as it is, as data.
 */
export function originOf(t: Translate, source: string | undefined): Said {
  if (!source) return [];
  const [kind, ...rest] = source.split(':');
  const key = `source.${kind}`;
  const template = t(key);
  return template === key ? [{ text: source, datum: true }] : pieces(template, { who: rest.join(':') });
}
