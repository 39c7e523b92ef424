/** The i18n helper: both catalogs have the same keys, every key the views use exists, locale choice. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { catalogs, pickLocale, translator } from '../../src/admin/i18n.js';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('i18n', () => {
  it('zh-CN and en have the same keys, none empty', () => {
    const { en, 'zh-CN': zh } = catalogs();
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
    for (const [k, v] of [...Object.entries(en), ...Object.entries(zh)]) assert.ok(v.trim(), `${k} is empty`);
  });

  it('every literal key used in views and routes exists', () => {
    const { en } = catalogs();
    const used = new Set<string>();
    for (const f of [...files('views').filter((x) => !x.includes('sandbox')), ...files('src/admin')]) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\bt\('([a-zA-Z]+\.[a-zA-Z0-9.-]+)'/g)) used.add(m[1]!);
      for (const m of readFileSync(f, 'utf8').matchAll(/'(flash\.[a-zA-Z]+)'/g)) used.add(m[1]!);
    }
    assert.ok(used.size > 100);
    const missing = [...used].filter((k) => !(k in en));
    assert.deepEqual(missing, []);
  });

  it('picks the saved preference, then Accept-Language, then English', () => {
    assert.equal(pickLocale('zh-CN', 'en'), 'zh-CN');
    assert.equal(pickLocale(undefined, 'fr;q=1, zh-TW;q=0.8, en;q=0.5'), 'zh-CN');
    assert.equal(pickLocale(undefined, 'en-GB,zh;q=0.5'), 'en');
    assert.equal(pickLocale(undefined, undefined), 'en');
    assert.equal(pickLocale('xx', 'de'), 'en');
  });

  it('fills placeholders and shows an unknown key as itself', () => {
    const t = translator('zh-CN');
    assert.equal(t('rooms.memberCount', { n: 3 }), '3 位成员');
    assert.equal(t('no.such.key'), 'no.such.key');
  });
});
