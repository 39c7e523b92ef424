/**
 * Phrases (src/util/phrase.ts): every book says each phrase in both languages with the same
 * parameters, zod's issues map to codes the server's book has, and an error's phrase is found
 * through its wrappers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { PHRASES } from '../../src/util/phrase-book.js';
import { PhrasedError, phraseOf, parsePhrase, say, type PhraseBook } from '../../src/util/phrase.js';
import { schemaPhrase } from '../../src/pipeline/config-check.js';
import { PluginError } from '../../src/pipeline/plugin.js';
import { PluginRegistry } from '../../src/pipeline/plugin-registry.js';

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();

function checkBook(name: string, book: PhraseBook): string[] {
  const wrong: string[] = [];
  for (const [code, text] of Object.entries(book)) {
    if (!text.en.trim() || !/\p{Script=Han}/u.test(text.zh)) wrong.push(`${name} ${code}: empty English or no Chinese`);
    // The Chinese may leave out a parameter that only English grammar needs, never add one.
    const en = placeholders(text.en);
    for (const p of placeholders(text.zh)) if (!en.includes(p)) wrong.push(`${name} ${code}: {${p}} only in Chinese`);
  }
  return wrong;
}

describe('phrases', () => {
  it("the server's book and every built-in plugin's say each phrase in English and Chinese with the same parameters", async () => {
    const registry = await PluginRegistry.load();
    const wrong = [...checkBook('server', PHRASES), ...registry.list().flatMap((p) => checkBook(p.name, registry.phrases(p.name) ?? {}))];
    assert.deepEqual(wrong, []);
    assert.ok(registry.phrases('ai') && registry.phrases('auto-reply') && registry.phrases('schedule'));
  });

  it("maps zod's issues to codes of the server's book, and a custom issue to the phrase it names", () => {
    const schema = z.object({
      name: z.string().min(1),
      short: z.string().max(3),
      n: z.number().int().min(2).max(5),
      positive: z.number().positive(),
      kind: z.enum(['a', 'b']),
      list: z.array(z.string()).min(2),
      flag: z.boolean(),
      mail: z.email(),
      step: z.number().multipleOf(5),
      own: z.string().refine(() => false, { message: 'nope', params: { phrase: 'own-code', what: 'x' } }),
    });
    const r = schema.safeParse({ name: '', short: 'long', n: 1.5, positive: 0, kind: 'c', list: [], flag: 'yes', mail: 'm', step: 7, own: 'o' });
    assert.ok(!r.success);
    const codes = Object.fromEntries(r.error.issues.map((i) => [i.path.join('.'), schemaPhrase(i)]));
    assert.deepEqual(codes.name, { code: 'schema.required' });
    assert.deepEqual(codes.short, { code: 'schema.too_big.string', params: { maximum: 3 } });
    assert.deepEqual(codes.n, { code: 'schema.invalid_type.int' });
    assert.deepEqual(codes.positive, { code: 'schema.too_small.number-exclusive', params: { minimum: 0 } });
    assert.deepEqual(codes.kind, { code: 'schema.invalid_value', params: { values: 'a, b' } });
    assert.deepEqual(codes.list, { code: 'schema.too_small.array', params: { minimum: 2 } });
    assert.deepEqual(codes.flag, { code: 'schema.invalid_type.boolean' });
    assert.deepEqual(codes.mail, { code: 'schema.invalid_format', params: { format: 'email' } });
    assert.deepEqual(codes.step, { code: 'schema.not_multiple_of', params: { divisor: 5 } });
    assert.deepEqual(codes.own, { code: 'own-code', params: { what: 'x' } });
    for (const [path, p] of Object.entries(codes)) if (path !== 'own') assert.ok(p!.code in PHRASES, `${path}: ${p!.code} is in the book`);
  });

  it("finds an error's phrase through a PluginError, and reads a stored one back", () => {
    const { message, phrase } = say(PHRASES, 'trace.stopped', { plugin: 'echo' });
    assert.equal(message, 'stopped by echo without a reply');
    const wrapped = new PluginError('ai', 'rejected', new PhrasedError(message, phrase));
    assert.deepEqual(phraseOf(wrapped), phrase);
    assert.equal(phraseOf(new Error('plain')), undefined);
    assert.deepEqual(parsePhrase(JSON.stringify(phrase)), phrase);
    assert.equal(parsePhrase('{"no":"code"}'), undefined);
    assert.equal(parsePhrase('not json'), undefined);
    assert.throws(() => say(PHRASES, 'no.such.code'), /no phrase "no.such.code"/);
  });
});
