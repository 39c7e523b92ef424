// Where a JSON text typed in the panel goes wrong, read by the panel itself (src/admin/json-problem.ts): a line,
// a column and a reason in the page's language, instead of the JS engine's English message. It must agree with
// JSON.parse on what is JSON at all.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonProblem, parseJson, sayJsonProblem, type JsonProblem } from '../../src/admin/json-problem.js';
import { translator } from '../../src/admin/i18n.js';

const refused: [text: string, problem: Partial<JsonProblem>][] = [
  ['', { kind: 'empty' }],
  [' \n ', { kind: 'empty' }],
  ['[{"text": "hi"}', { kind: 'end', line: 1, column: 16 }],
  ['"abc', { kind: 'end' }],
  ['[1,]', { kind: 'trailingComma', line: 1, column: 3, found: ']' }],
  ['[\n  {"name": "hi",\n   "replies": ["a",]}\n]', { kind: 'trailingComma', line: 3, column: 19, found: ']' }],
  ['{"a": 1,}', { kind: 'trailingComma', line: 1, column: 8, found: '}' }],
  ["[{'a': 1}]", { kind: 'quotes', column: 3, found: "'" }],
  ['{a: 1}', { kind: 'quotes', column: 2, found: 'a' }],
  ['[hello]', { kind: 'quotes', column: 2 }],
  ['[你好]', { kind: 'quotes', column: 2, found: '你' }],
  ['["你好", nul]', { kind: 'quotes', column: 8, found: 'n' }],
  ['["a\nb"]', { kind: 'lineBreak', line: 1, column: 4, found: 'U+000A' }],
  ['["\\x"]', { kind: 'escape', column: 3 }],
  ['["\\u12"]', { kind: 'escape', column: 3 }],
  ['{"a" 1}', { kind: 'missingColon', column: 6, found: '1' }],
  ['[1 2]', { kind: 'missingComma', column: 4, found: '2' }],
  ['{"a": 1\n "b": 2}', { kind: 'missingComma', line: 2, column: 2, found: '"' }],
  ['[1]x', { kind: 'after', column: 4, found: 'x' }],
  ['{"a":1}}', { kind: 'after', column: 8, found: '}' }],
  ['[1}', { kind: 'unexpected', column: 3, found: '}' }],
  ['{"a":}', { kind: 'unexpected', column: 6, found: '}' }],
  ['[01]', { kind: 'unexpected', column: 3, found: '1' }],
  ['[-]', { kind: 'unexpected', column: 3, found: ']' }],
  ['[\u0001]', { kind: 'unexpected', column: 2, found: 'U+0001' }],
  ['["😀", x]', { kind: 'quotes', column: 7, found: 'x' }],
];

const valid = [
  '[]',
  ' {} ',
  '[{"pattern": "hi", "replies": [{"text": "hello\\n\\u4f60\\"好\\""}], "n": -1.5e+3, "on": true, "off": false, "x": null}]',
  '0',
  '"just text"',
  '[[[[[]]]]]',
  '{"a": {"b": [1, 2, {"c": "d"}]}}',
];

describe('jsonProblem(text)', () => {
  for (const [text, expected] of refused) {
    it(`${JSON.stringify(text)}: ${expected.kind}`, () => {
      assert.throws(() => JSON.parse(text), 'JSON.parse refuses it too');
      const p = jsonProblem(text);
      assert.ok(p, 'a problem found');
      assert.deepEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, p[k as keyof JsonProblem]])), expected);
    });
  }

  it('finds nothing wrong in what JSON.parse takes', () => {
    for (const text of valid) {
      JSON.parse(text);
      assert.equal(jsonProblem(text), undefined, text);
    }
  });

  it('reads a text nested 100,000 deep without running out of stack', () => {
    assert.deepEqual(jsonProblem('['.repeat(100_000)), { kind: 'end', offset: 100_000, line: 1, column: 100_001 });
    assert.equal(jsonProblem('['.repeat(100_000) + ']'.repeat(100_000)), undefined);
  });

  it('parseJson: the value, or the problem', () => {
    assert.deepEqual(parseJson('[1]'), { value: [1] });
    assert.equal((parseJson('[1,]') as { problem: JsonProblem }).problem.kind, 'trailingComma');
  });
});

describe('sayJsonProblem(t, problem)', () => {
  const text = '[\n  {"pattern": "hi",\n   "replies": ["a",]}\n]';
  const said = (locale: 'en' | 'zh-CN', t = text): string =>
    sayJsonProblem(translator(locale), jsonProblem(t)!)
      .map((p) => p.text)
      .join('');

  it('English: the line, the column and what to do', () => {
    assert.equal(said('en'), 'Not valid JSON at line 3, column 19: a comma before “]”: remove it (JSON allows no comma after the last item).');
  });

  it('Chinese: all in Chinese, with no word of the JS engine’s English', () => {
    assert.equal(said('zh-CN'), 'JSON 格式有误，第 3 行第 19 列：“]”前多了一个逗号，请删除（JSON 的最后一项后面不能有逗号）。');
    for (const [t] of refused) {
      const s = said('zh-CN', t);
      assert.doesNotMatch(s.replaceAll('JSON', ''), /[A-Za-z]{3,}/, `${JSON.stringify(t)} → ${s}`);
    }
  });

  it('the line and the column are data; the found character too', () => {
    const pieces = sayJsonProblem(translator('zh-CN'), jsonProblem(text)!);
    assert.deepEqual(
      pieces.filter((p) => p.datum).map((p) => p.text),
      ['3', '19', ']'],
    );
  });
});
