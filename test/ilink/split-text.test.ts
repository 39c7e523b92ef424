import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { splitText } from '../../src/ilink/split-text.js';

describe('iLink long text split', () => {
  it('keeps short text whole', () => {
    assert.deepEqual(splitText('hello'), ['hello']);
    assert.deepEqual(splitText('   '), []);
  });

  it('breaks at paragraphs, then lines, then sentence ends, then spaces — never above the limit', () => {
    assert.deepEqual(splitText('aaaa\n\nbbbb\ncccc', 10), ['aaaa', 'bbbb\ncccc']);
    assert.deepEqual(splitText('aaaa bbbb\ncccc dddd', 12), ['aaaa bbbb', 'cccc dddd']);
    assert.deepEqual(splitText('One two. Three four five.', 16), ['One two.', 'Three four five.']);
    assert.deepEqual(splitText('一二三。四五六。七八九。', 8), ['一二三。四五六。', '七八九。']);
    for (const piece of splitText('word '.repeat(1000), 97)) assert.ok([...piece].length <= 97);
  });

  it('cuts a text without any boundary at the limit, and never splits an emoji', () => {
    assert.deepEqual(splitText('x'.repeat(25), 10), ['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    const emoji = '😀'.repeat(7);
    const pieces = splitText(emoji, 3);
    assert.deepEqual(pieces, ['😀😀😀', '😀😀😀', '😀']);
  });

  it('keeps a code fence whole when it fits in one piece', () => {
    const fence = '```\nconst a = 1;\nconst b = 2;\n```';
    const text = `Intro line here.\n${fence}\nAfter.`;
    const pieces = splitText(text, 40);
    assert.ok(
      pieces.some((p) => p.includes(fence)),
      pieces.join(' | '),
    );
  });

  it('joins back to the same words', () => {
    const text = Array.from({ length: 300 }, (_, i) => `Sentence number ${i}.`).join(' ');
    const pieces = splitText(text, 200);
    assert.equal(pieces.join(' ').replace(/\s+/g, ' '), text);
  });
});
