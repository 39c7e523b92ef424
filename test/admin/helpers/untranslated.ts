/**
 * Finds English left on a panel page shown in Chinese: the visible text (and placeholders, titles,
 * button labels) of the page, less what is data rather than label — text inside `code`, `kbd`,
 * `.datum` (a phrase's parameters, see src/admin/phrases.ts), the data strings the test passes
 * (contact names, message texts, account and plugin names) — split into words; every Latin word that
 * is not an identifier (digits, dots, slashes, underscores, camelCase, ALL CAPS) and not in the
 * allow list of proper nouns is reported with a little of its context.
 */
import type { Page } from 'playwright-core';

/** Proper nouns and units a Chinese page writes in Latin letters on purpose. */
export const ALLOWED_WORDS = new Set(
  [
    'weiroto',
    // The language switch names the other language in that language.
    'English',
    'WeChat',
    'iLink',
    'Webhook',
    'webhook',
    'webhooks',
    'OpenAI',
    'Bearer',
    'token',
    'ms',
    'px',
    'Prometheus',
    'cron',
    'Chromium',
    'Ret',
    'id',
    'https',
    'http',
    'Standard',
    'Webhooks',
  ].map((w) => w.toLowerCase()),
);

/** A token that names a thing for machines (a path, a key, a URL, an env variable, an id), not a word of a sentence. */
function isIdentifier(token: string): boolean {
  return /[\d_/.:@=#{}<>\\|$%&*+~^]/.test(token) || /[a-z][A-Z]/.test(token) || /^[A-Z]{2,}s?$/.test(token);
}

/** Runs in the page: visible text without data-marked elements, plus placeholders and titles. */
const COLLECT = `(() => {
  const skip = 'script, style, code, kbd, pre, textarea, .datum, [data-datum], [hidden], template, noscript, datalist';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(skip) || !n.textContent.trim()) continue;
    if (el.closest('select') && !el.closest('option:checked')) continue;
    if (typeof el.checkVisibility === 'function' && !el.checkVisibility()) continue;
    out.push(n.textContent);
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], input[type=submit], input[type=button]')) {
    if (el.closest(skip)) continue;
    for (const a of ['placeholder', 'title', 'aria-label', 'value']) {
      if (a === 'value' && !(el instanceof HTMLInputElement && (el.type === 'submit' || el.type === 'button'))) continue;
      const v = el.getAttribute(a);
      if (v) out.push(v);
    }
  }
  out.push(document.title);
  return out;
})()`;

/**
 * The English words on the page that are neither allowed nor data, each as `word («context»)`.
 *
 * @example
 *   assert.deepEqual(await untranslatedWords(page, ['Olivia Lee']), []);
 */
export async function untranslatedWords(page: Page, data: readonly string[]): Promise<string[]> {
  const texts = await page.evaluate<string[]>(COLLECT);
  // Longest first, so that "Olivia Lee" goes before "Olivia".
  const strings = [...new Set(data.map((d) => d.trim()).filter((d) => d.length > 1))].sort((a, b) => b.length - a.length);
  const found = new Set<string>();
  for (const raw of texts) {
    let text = raw;
    // Whole words only: "eve" in the data must not cut "received" apart.
    for (const d of strings)
      if (text.includes(d)) text = text.replace(new RegExp(`(?<![A-Za-z])${d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z])`, 'g'), ' ');
    for (const m of text.matchAll(/[^\s\u3000-\u303f\uff00-\uffef,;()[\]"'“”‘’«»…·—–!?]+/g)) {
      const token = m[0].replace(/^[-:]+|[-:]+$/g, '');
      if (!/[A-Za-z]/.test(token) || isIdentifier(token)) continue;
      for (const word of token.split('-')) {
        if (!/^[A-Za-z]{2,}$/.test(word) || ALLOWED_WORDS.has(word.toLowerCase())) continue;
        const at = m.index ?? 0;
        found.add(
          `${word} («${text
            .slice(Math.max(0, at - 20), at + token.length + 20)
            .replace(/\s+/g, ' ')
            .trim()}»)`,
        );
      }
    }
  }
  return [...found];
}
