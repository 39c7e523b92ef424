import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  byPriority,
  exportRules,
  fillTemplate,
  matchPattern,
  parseRules,
  ruleApplies,
  ruleSchema,
  type Rule,
  type MessageFacts,
} from '../../../plugins/auto-reply/rules.js';
import { localTime } from '../../../src/pipeline/helpers/local-time.js';

const rule = (r: Partial<Rule> & { pattern: string }): Rule => ruleSchema.parse({ replies: [{ text: 'ok' }], ...r });

describe('auto-reply matchPattern(rule, text)', () => {
  const cases: [Partial<Rule> & { pattern: string }, string, boolean][] = [
    [{ match: 'exact', pattern: 'hello' }, 'Hello', true],
    [{ match: 'exact', pattern: 'hello' }, 'hello there', false],
    [{ match: 'exact', pattern: 'hello', ignoreCase: false }, 'Hello', false],
    [{ match: 'contains', pattern: 'price' }, 'what is the PRICE?', true],
    [{ match: 'contains', pattern: 'price' }, 'what is it', false],
    [{ match: 'starts-with', pattern: 'help' }, 'help me', true],
    [{ match: 'starts-with', pattern: 'help' }, 'please help', false],
    [{ match: 'regex', pattern: '^order (\\d+)$' }, 'order 42', true],
    [{ match: 'regex', pattern: '^order (\\d+)$' }, 'order x', false],
  ];
  for (const [r, text, want] of cases) {
    it(`${r.match} ${JSON.stringify(r.pattern)} vs ${JSON.stringify(text)} → ${want}`, () => {
      assert.equal(matchPattern(rule(r), text) !== undefined, want);
    });
  }
  it('returns numbered and named regex groups', () => {
    const m = matchPattern(rule({ match: 'regex', pattern: '^order (?<num>\\d+) for (\\w+)$' }), 'order 42 for Ann');
    assert.deepEqual(m?.groups, { 0: 'order 42 for Ann', 1: '42', 2: 'Ann', num: '42' });
  });
});

describe('auto-reply ruleApplies(rule, facts)', () => {
  const at = localTime(Date.UTC(2024, 0, 1, 10, 30), 'UTC'); // Monday 10:30
  const facts = (f: Partial<MessageFacts>): MessageFacts => ({
    text: 'x',
    isGroup: false,
    mentionsSelf: false,
    inChats: (e) => e.includes('Family'),
    at,
    ...f,
  });
  const cases: [string, Partial<Rule>, Partial<MessageFacts>, boolean][] = [
    ['all: private', {}, {}, true],
    ['all: group', {}, { isGroup: true }, true],
    ['disabled', { enabled: false }, {}, false],
    ['private only: group', { scope: 'private' }, { isGroup: true }, false],
    ['groups only: private', { scope: 'groups' }, {}, false],
    ['groups only: group', { scope: 'groups' }, { isGroup: true }, true],
    ['chosen chat in list', { scope: 'chats', chats: ['Family'] }, { isGroup: true }, true],
    ['chosen chat not in list', { scope: 'chats', chats: ['Work'] }, { isGroup: true }, false],
    ['mention only: not mentioned', { mentionOnly: true }, { isGroup: true }, false],
    ['mention only: mentioned', { mentionOnly: true }, { isGroup: true, mentionsSelf: true }, true],
    ['mention only: private unaffected', { mentionOnly: true }, {}, true],
    ['inside window', { windows: [{ days: [], from: '09:00', to: '18:00' }] }, {}, true],
    ['outside window', { windows: [{ days: [], from: '11:00', to: '18:00' }] }, {}, false],
    ['wrong day', { windows: [{ days: [0, 6], from: '09:00', to: '18:00' }] }, {}, false],
  ];
  for (const [name, r, f, want] of cases) {
    it(name, () => assert.equal(ruleApplies(rule({ pattern: 'x', ...r }), facts(f)), want));
  }
});

describe('auto-reply byPriority(rules)', () => {
  it('orders by priority, keeping list order among equals', () => {
    const rules = [rule({ pattern: 'a' }), rule({ pattern: 'b', priority: 5 }), rule({ pattern: 'c' }), rule({ pattern: 'd', priority: 5 })];
    assert.deepEqual(
      byPriority(rules).map((r) => r.pattern),
      ['b', 'd', 'a', 'c'],
    );
  });
});

describe('auto-reply fillTemplate(template, values)', () => {
  it('fills known placeholders and keeps unknown ones', () => {
    assert.equal(
      fillTemplate('Hi {sender} in {room} at {time}: #{1} {num} {nope}', {
        sender: 'Ann',
        room: 'Family',
        time: '10:30',
        1: '42',
        num: '42',
      }),
      'Hi Ann in Family at 10:30: #42 42 {nope}',
    );
  });
});

describe('auto-reply parseRules(json) / exportRules(rules)', () => {
  it('round-trips with defaults filled', () => {
    const rules = parseRules('[{"pattern":"hi","replies":[{"text":"hello"}]}]');
    assert.equal(rules[0]?.match, 'contains');
    assert.equal(rules[0]?.probability, 1);
    assert.deepEqual(parseRules(exportRules(rules)), rules);
  });
  it('accepts an object with a rules array', () => {
    assert.equal(parseRules('{"rules":[{"pattern":"hi","replies":[{"text":"a"}]}]}').length, 1);
  });
  it('says where each problem is', () => {
    assert.throws(
      () => parseRules('[{"pattern":"ok","replies":[{"text":"a"}]},{"pattern":"(","match":"regex","replies":[{"type":"image"}]}]'),
      (e: Error) => /rule 2 › pattern: invalid regular expression/.test(e.message) && /rule 2 › replies › 0 › source/.test(e.message),
    );
  });
  it('rejects bad JSON with a clear message', () => {
    assert.throws(() => parseRules('[{'), /not valid JSON/);
  });
  it('rejects a rule without replies', () => {
    assert.throws(() => parseRules('[{"pattern":"x","replies":[]}]'), /rule 1 › replies: a rule needs at least one reply/);
  });
});
