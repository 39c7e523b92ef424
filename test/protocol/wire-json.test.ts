import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUtf8, parseWireJson, protectBigInts } from '../../src/protocol/wire-json.js';

describe('parseWireJson(text)', () => {
  it('keeps 64-bit numbers exact as strings', () => {
    const r = parseWireJson<{ NewMsgId: string; MsgId: string }>('{"MsgId": "179242112323992762", "NewMsgId": 179242112323992762}');
    assert.equal(r.NewMsgId, '179242112323992762');
    assert.equal(r.MsgId, '179242112323992762');
  });
  it('leaves small numbers as numbers and strings with digits untouched', () => {
    const r = parseWireJson<{ a: number; s: string; arr: unknown[] }>('{"a": 12, "s": ":12345678901234567", "arr": [12345678901234567890, 1]}');
    assert.equal(r.a, 12);
    assert.equal(r.s, ':12345678901234567');
    assert.deepEqual(r.arr, ['12345678901234567890', 1]);
  });
  it('handles escaped quotes in strings', () => {
    const r = parseWireJson<{ s: string; n: string }>('{"s": "a\\"b, 1234567890123456789", "n": 1234567890123456789}');
    assert.equal(r.s, 'a"b, 1234567890123456789');
    assert.equal(r.n, '1234567890123456789');
  });
  it('strips a BOM and throws on garbage', () => {
    assert.deepEqual(parseWireJson('\ufeff{"a":1}'), { a: 1 });
    assert.throws(() => parseWireJson('<html>oops'), SyntaxError);
  });
  it('fast path returns the same string', () => {
    const s = '{"a": 1}';
    assert.equal(protectBigInts(s), s);
  });
  it('decodes invalid UTF-8 with replacement', () => {
    assert.equal(decodeUtf8(Buffer.from([0x61, 0xff, 0x62])), 'a\ufffdb');
  });
});
