import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { splitText } from '../../../src/pipeline/helpers/split-text.js';

describe('splitText(text, max)', () => {
  const cases: { name: string; text: string; max: number; want: string[] }[] = [
    { name: 'short text stays whole', text: 'hello', max: 10, want: ['hello'] },
    { name: 'empty gives nothing', text: '   ', max: 10, want: [] },
    { name: 'cuts at a paragraph', text: 'aaaa bbbb\n\ncccc', max: 12, want: ['aaaa bbbb', 'cccc'] },
    { name: 'cuts at a line', text: 'aaaa\nbbbb cccc', max: 11, want: ['aaaa', 'bbbb cccc'] },
    { name: 'cuts at a sentence', text: 'one two. three four.', max: 15, want: ['one two.', 'three four.'] },
    {
      name: 'cuts at a CJK sentence',
      text: '你好世界。今天天气很好。',
      max: 8,
      want: ['你好世界。', '今天天气很好。'],
    },
    { name: 'cuts at a space', text: 'alpha beta gamma', max: 11, want: ['alpha beta', 'gamma'] },
    { name: 'hard cut without boundary', text: 'abcdefghij', max: 4, want: ['abcd', 'efgh', 'ij'] },
    { name: 'never splits an emoji', text: '😀😀😀😀😀', max: 2, want: ['😀😀', '😀😀', '😀'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const parts = splitText(c.text, c.max);
      assert.deepEqual(parts, c.want);
      for (const p of parts) assert.ok([...p].length <= c.max, `part too long: ${p}`);
    });
  }

  it('keeps every word of a long text in order', () => {
    const words = Array.from({ length: 500 }, (_, i) => `w${i}`);
    const parts = splitText(words.join(' '), 100);
    assert.ok(parts.length > 10);
    assert.deepEqual(parts.join(' ').split(' '), words);
  });

  it('rejects a bad max', () => {
    assert.throws(() => splitText('x', 0), /positive integer/);
  });
});
