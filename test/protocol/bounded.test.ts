import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RECENT_MESSAGES, newMemories } from '../../src/protocol/core.js';
import { BoundedMap } from '../../src/protocol/bounded.js';
import { BoundedSet } from '../../src/util/bounded-set.js';
import type { Message } from '../../src/transport/model.js';

describe('bounded memories', () => {
  it('BoundedMap forgets the oldest entry; a re-set key becomes the newest', () => {
    const m = new BoundedMap<number>(3);
    m.set('a', 1);
    m.set('b', 2);
    m.set('c', 3);
    m.set('a', 10); // refreshed: b is now the oldest
    m.set('d', 4);
    assert.equal(m.get('b'), undefined);
    assert.equal(m.get('a'), 10);
    assert.equal(m.get('c'), 3);
    assert.equal(m.get('d'), 4);
  });

  it('BoundedSet.add reports duplicates and drops the oldest past the bound', () => {
    const s = new BoundedSet(2);
    assert.equal(s.add('x'), true);
    assert.equal(s.add('x'), false);
    s.add('y');
    s.add('z');
    assert.equal(s.has('x'), false);
    assert.equal(s.has('z'), true);
  });

  it(`the recent-message memory for recalls keeps the last ${RECENT_MESSAGES}`, () => {
    const { recent } = newMemories();
    const msg = (id: string): Message => ({
      id,
      type: 'text',
      chatId: '@a',
      senderId: '@a',
      toId: '@me',
      isSelf: false,
      text: id,
      mentionsSelf: false,
      mentions: [],
      createdAt: 0,
    });
    for (let i = 0; i <= RECENT_MESSAGES; i++) recent.set(String(i), msg(String(i)));
    assert.equal(recent.get('0'), undefined, 'the oldest is gone');
    assert.equal(recent.get('1')?.id, '1');
    assert.equal(recent.get(String(RECENT_MESSAGES))?.text, String(RECENT_MESSAGES));
  });
});
