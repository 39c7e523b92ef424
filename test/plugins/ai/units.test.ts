import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { estimateTokens, stripReasoning, trimTurns, type Turn } from '../../../plugins/ai/memory.js';
import { afterPrefix, question } from '../../../plugins/ai/triggers.js';
import { configSchema } from '../../../plugins/ai/config.js';

const turns = (n: number, at = 0, size = 10): Turn[] =>
  Array.from({ length: n * 2 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `${i}`.padEnd(size, '.'), at: at + i }) as Turn);

describe('ai trimTurns(turns, limits, now)', () => {
  it('keeps the last maxTurns pairs', () => {
    const kept = trimTurns(turns(5), { maxTurns: 2, maxTokens: 1e6, expiryMs: 0 }, 100);
    assert.deepEqual(
      kept.map((t) => t.content[0]),
      ['6', '7', '8', '9'],
    );
  });
  it('drops the oldest until within the token budget, never starting with an answer', () => {
    const all = turns(4, 0, 40); // ~11 tokens each
    const kept = trimTurns(all, { maxTurns: 100, maxTokens: 35, expiryMs: 0 }, 100);
    assert.ok(kept.length > 0 && kept.length < all.length);
    assert.equal(kept[0]?.role, 'user');
    assert.ok(kept.reduce((n, t) => n + estimateTokens(t.content), 0) <= 35);
  });
  it('forgets turns older than the expiry', () => {
    const old = turns(2, 0);
    const fresh = turns(1, 10_000);
    assert.equal(trimTurns([...old, ...fresh], { maxTurns: 10, maxTokens: 1e6, expiryMs: 5_000 }, 12_000).length, 2);
  });
  it('maxTurns 0 keeps nothing', () => assert.deepEqual(trimTurns(turns(3), { maxTurns: 0, maxTokens: 1e6, expiryMs: 0 }, 0), []));
});

describe('ai estimateTokens(text)', () => {
  it('counts CJK about one per character and Latin about four characters per token', () => {
    assert.equal(estimateTokens('你好世界'), 5);
    assert.equal(estimateTokens('abcdefgh'), 3);
  });
});

describe('ai stripReasoning(text)', () => {
  it('removes think blocks', () => assert.equal(stripReasoning('<think>hmm\nok</think>\nAnswer'), 'Answer'));
});

describe('ai question(config, facts)', () => {
  const base = configSchema.parse({});
  const cases: [string, Partial<typeof base>, { text: string; isGroup?: boolean; mentionsSelf?: boolean }, string | undefined][] = [
    ['private always', {}, { text: 'hi there' }, 'hi there'],
    ['private always strips prefix', {}, { text: 'ai: hi' }, 'hi'],
    ['private prefix: without', { privateTrigger: 'prefix' }, { text: 'hi' }, undefined],
    ['private prefix: with', { privateTrigger: 'prefix' }, { text: 'AI，你好' }, '你好'],
    ['private prefix must be a word', { privateTrigger: 'prefix' }, { text: 'aim high' }, undefined],
    ['private never', { privateTrigger: 'never' }, { text: 'hi' }, undefined],
    ['group not mentioned', {}, { text: 'hi', isGroup: true }, undefined],
    ['group mentioned', {}, { text: 'hi', isGroup: true, mentionsSelf: true }, 'hi'],
    ['group prefix', { groupTriggers: ['prefix'] }, { text: 'ai what time', isGroup: true }, 'what time'],
    ['group keywords', { groupTriggers: ['keywords'], keywords: ['Weather'] }, { text: 'how is the weather', isGroup: true }, 'how is the weather'],
    ['group keywords miss', { groupTriggers: ['keywords'], keywords: ['weather'] }, { text: 'hello', isGroup: true }, undefined],
    ['empty question', {}, { text: 'ai' }, undefined],
  ];
  for (const [name, cfg, f, want] of cases) {
    it(name, () => {
      const facts = {
        text: f.text,
        isGroup: f.isGroup ?? false,
        mentionsSelf: f.mentionsSelf ?? false,
        withoutMention: f.text,
      };
      assert.equal(question({ ...base, ...cfg }, facts), want);
    });
  }
  it('afterPrefix ignores an empty prefix', () => assert.equal(afterPrefix('x', ' '), undefined));
});
