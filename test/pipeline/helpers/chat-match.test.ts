import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chatMatches, personMatches, stripMentions } from '../../../src/pipeline/helpers/chat-match.js';

describe('chatMatches(entries, chat)', () => {
  const room = { id: '@@r1', stableId: '123@chatroom', topic: 'Family' };
  const peer = { id: '@p1', stableId: 'wxid_ann', name: 'Ann', remark: 'Sister', alias: 'ann88' };
  const cases: [string[], boolean][] = [
    [['@@r1'], true],
    [['123@chatroom'], true],
    [['family'], true],
    [['Work'], false],
    [[], false],
  ];
  for (const [entries, want] of cases)
    it(`room ${JSON.stringify(entries)} → ${want}`, () => assert.equal(chatMatches(entries, { chatId: '@@r1', room }), want));
  for (const e of ['@p1', 'wxid_ann', 'ann', 'SISTER', 'ann88']) it(`peer ${e}`, () => assert.equal(chatMatches([e], { chatId: '@p1', peer }), true));
  it('ids compare exactly', () => assert.equal(chatMatches(['WXID_ANN'], { chatId: '@p1', peer }), false));
});

describe('personMatches(entries, person)', () => {
  it('matches contact, member and message names', () => {
    const p = {
      id: '@m',
      contact: { stableId: 'wxid_b', name: 'Bob', remark: 'Boss' },
      member: { name: 'Bob', displayName: 'Bobby' },
      name: 'Bob',
    };
    for (const e of ['@m', 'wxid_b', 'bob', 'boss', 'bobby']) assert.equal(personMatches([e], p), true, e);
    assert.equal(personMatches(['Carl'], p), false);
  });
});

describe('stripMentions(text, names)', () => {
  it('removes the bot mention in any place', () => {
    assert.equal(stripMentions('@Bot\u2005hello', ['Bot']), 'hello');
    assert.equal(stripMentions('hello @Bot', ['Bot']), 'hello');
    assert.equal(stripMentions('@Bot Name\u2005hi @Ann\u2005', ['Bot Name', undefined]), 'hi @Ann');
  });
});
