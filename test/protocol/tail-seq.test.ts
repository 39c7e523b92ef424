// tailSeq reads a getcontact page's Seq off the end of its text (startup.ts asks for the next page
// with it before parsing); anything that does not end like a page gives undefined.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tailSeq } from '../../src/protocol/startup.js';
import { parseWireJson } from '../../src/protocol/wire-json.js';

const recorded = readFileSync(new URL('../fixtures/recorded/webwxgetcontact.json', import.meta.url), 'utf8');

describe('tailSeq', () => {
  it('agrees with the parsed Seq of the recorded page and of compact and pretty bodies', () => {
    assert.equal(tailSeq(recorded), (parseWireJson(recorded) as { Seq: number }).Seq);
    assert.equal(tailSeq('{"BaseResponse":{"Ret":0},"MemberCount":1,"MemberList":[{"UserName":"@a"}],"Seq":1000}'), 1000);
    assert.equal(tailSeq('{\n "MemberList": [],\n "Seq": 2345\n}\n\n'), 2345);
  });

  it('gives undefined when Seq is not the last field or the body is cut', () => {
    assert.equal(tailSeq('{"Seq":5,"MemberList":[]}'), undefined);
    assert.equal(tailSeq('{"MemberList":[{"Seq":3}]}'), undefined);
    assert.equal(tailSeq('{"MemberList":[],"Seq":12'), undefined);
    assert.equal(tailSeq(''), undefined);
  });
});
