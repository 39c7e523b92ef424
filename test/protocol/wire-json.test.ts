import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUtf8, parseWireJson, protectBigInts } from '../../src/protocol/wire-json.js';

// The body's bytes (what the web client parses, quoted before they are decoded) and its text (iLink, fixtures).
const forms = [
  ['text', (s: string): string | Uint8Array => s],
  ['bytes', (s: string): string | Uint8Array => Buffer.from(s, 'utf8')],
] as const;

for (const [form, of] of forms) {
  const parse = <T = unknown>(s: string): T => parseWireJson<T>(of(s));
  describe(`parseWireJson(${form})`, () => {
    it('keeps 64-bit numbers exact as strings', () => {
      const r = parse<{ NewMsgId: string; MsgId: string }>('{"MsgId": "179242112323992762", "NewMsgId": 179242112323992762}');
      assert.equal(r.NewMsgId, '179242112323992762');
      assert.equal(r.MsgId, '179242112323992762');
    });
    it('leaves small numbers as numbers and strings with digits untouched', () => {
      const r = parse<{ a: number; s: string; arr: unknown[] }>('{"a": 12, "s": ":12345678901234567", "arr": [12345678901234567890, 1]}');
      assert.equal(r.a, 12);
      assert.equal(r.s, ':12345678901234567');
      assert.deepEqual(r.arr, ['12345678901234567890', 1]);
    });
    it('handles escaped quotes in strings', () => {
      const r = parse<{ s: string; n: string }>('{"s": "a\\"b, 1234567890123456789", "n": 1234567890123456789}');
      assert.equal(r.s, 'a"b, 1234567890123456789');
      assert.equal(r.n, '1234567890123456789');
    });
    it('quotes only whole integers: a long fraction or an exponent stays a number', () => {
      const r = parse<{ a: unknown[]; y: number; z: number; w: number }>(
        '{"a": [1, 12345678901234567], "y": 12345678901234567e2, "z": 0.12345678901234567, "w": -1234567890123456789}',
      );
      assert.deepEqual(r.a, [1, '12345678901234567']);
      assert.equal(r.y, Number('12345678901234567e2'));
      assert.equal(r.z, Number('0.12345678901234567'));
      assert.equal(r.w, '-1234567890123456789');
    });
    it('skips strings that end in escaped backslashes', () => {
      // JSON text: {"s": "x\\", "t": "\\\"", "n": 12345678901234567}
      const r = parse<{ s: string; t: string; n: string }>('{"s": "x\\\\", "t": "\\\\\\"", "n": 12345678901234567}');
      assert.equal(r.s, 'x\\');
      assert.equal(r.t, '\\"');
      assert.equal(r.n, '12345678901234567');
    });
    it('strips a BOM and throws on garbage', () => {
      assert.deepEqual(parse('\ufeff{"a":1}'), { a: 1 });
      assert.throws(() => parse('<html>oops'), SyntaxError);
    });
    it('quotes several integers among multi-byte characters, each where it was', () => {
      const r = parse<{ a: string; t: string; b: string[]; c: string }>(
        '{"a": 1234567890123456789, "t": "微信\\"\u4f60 12345678901234567 😀", "b": [12345678901234567, 98765432109876543], "c": -12345678901234567}',
      );
      assert.deepEqual(r, {
        a: '1234567890123456789',
        t: '微信"你 12345678901234567 😀',
        b: ['12345678901234567', '98765432109876543'],
        c: '-12345678901234567',
      });
    });
  });
}

describe('parseWireJson on random bodies', () => {
  // Strings full of what the scan must step over (quotes, backslash runs, digit runs, multi-byte characters) beside
  // integers of every length: the parse must equal JSON.parse of the same value with each big integer already quoted.
  const pieces = ['"', '\\', '\\\\', '12345678901234567890', ':', ',', '[', '微信', '😀', 'a', ' '];
  const text = (rnd: () => number): string => Array.from({ length: Math.floor(rnd() * 8) }, () => pieces[Math.floor(rnd() * pieces.length)]).join('');
  const integer = (rnd: () => number): string =>
    (rnd() < 0.3 ? '-' : '') + String(1 + Math.floor(rnd() * 9)) + '0123456789'.repeat(2).slice(0, Math.floor(rnd() * 20));
  it('quotes every 16+ digit integer outside strings and nothing else (500 bodies, text and bytes)', () => {
    let seed = 17;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 500; n++) {
      // Each value a string (written with JSON.stringify) or an integer (written as it is).
      const fields = Array.from({ length: 1 + Math.floor(rnd() * 6) }, (_, i) => ({ key: `k${i}${text(rnd)}`, int: rnd() < 0.5, value: '' }));
      for (const f of fields) f.value = f.int ? integer(rnd) : text(rnd);
      const raw = `{${fields.map((f, i) => `${JSON.stringify(f.key)}:${i % 2 ? ' ' : ''}${f.int ? f.value : JSON.stringify(f.value)}`).join(',')}}`;
      const expected = Object.fromEntries(fields.map((f) => [f.key, f.int && f.value.replace('-', '').length < 16 ? Number(f.value) : f.value]));
      assert.deepEqual(parseWireJson(raw), expected, raw);
      assert.deepEqual(parseWireJson(Buffer.from(raw, 'utf8')), expected, raw);
    }
  });
});

describe('wire JSON helpers', () => {
  it('fast path returns the same string', () => {
    const s = '{"a": 1}';
    assert.equal(protectBigInts(s), s);
  });
  it('decodes invalid UTF-8 with replacement', () => {
    assert.equal(decodeUtf8(Buffer.from([0x61, 0xff, 0x62])), 'a\ufffdb');
  });
});
