/**
 * The one i18n helper of the panel: every user-visible string goes through `t(key, params)`.
 * Two catalogs (en, zh-CN) with the same keys (a test checks it); the locale comes from the
 * user's saved preference, else the browser's Accept-Language, else English.
 */
import { EN } from './messages-en.js';
import { ZH_CN } from './messages-zh.js';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];
export type MessageKey = keyof typeof EN;
export type Translate = (key: string, params?: Record<string, string | number>) => string;

const CATALOGS: Record<Locale, Record<string, string>> = { en: EN, 'zh-CN': ZH_CN };

/** The catalogs, for the completeness test. */
export function catalogs(): Record<Locale, Record<string, string>> {
  return CATALOGS;
}

export function isLocale(v: unknown): v is Locale {
  return v === 'en' || v === 'zh-CN';
}

/**
 * Choose a locale: a saved preference wins, then the first supported language in Accept-Language.
 *
 * @example
 *   pickLocale(undefined, 'zh-CN,zh;q=0.9,en;q=0.8') // 'zh-CN'
 */
export function pickLocale(saved: string | undefined, acceptLanguage: string | undefined): Locale {
  if (isLocale(saved)) return saved;
  const langs = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...rest] = part.trim().split(';');
      const q = rest.find((r) => r.trim().startsWith('q='));
      return { tag: (tag ?? '').toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .filter((l) => l.tag)
    .sort((a, b) => b.q - a.q);
  for (const l of langs) {
    if (l.tag.startsWith('zh')) return 'zh-CN';
    if (l.tag.startsWith('en')) return 'en';
  }
  return 'en';
}

/**
 * A translate function for one locale. `{name}` placeholders are filled from params; a missing key
 * falls back to English, then to the key itself (so a gap is visible, never a crash).
 *
 * @example
 *   const t = translator('zh-CN');
 *   t('accounts.title'); t('messages.count', { n: 3 });
 */
export function translator(locale: Locale): Translate {
  const cat = CATALOGS[locale];
  return (key, params) => {
    const text = cat[key] ?? EN[key as MessageKey] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (m: string, name: string) => (name in params ? String(params[name]) : m)) : text;
  };
}
