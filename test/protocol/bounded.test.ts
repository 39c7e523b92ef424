import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

  // Issue 17: a first eviction after V8 optimised a caller deoptimised it (the sync's dispatch, the send), mid-burst.
  it('a first eviction, once the callers are optimised, deoptimises none of them', () => {
    const script = `
      const { BoundedSet } = await import('./src/util/bounded-set.ts');
      const { BoundedMap } = await import('./src/protocol/bounded.ts');
      const set = new BoundedSet(20000);
      const map = new BoundedMap(20000);
      function hotAdd(i) { return set.add('k' + i); }
      function hotSet(i) { map.set('k' + i, i); }
      for (let i = 0; i < 40000; i++) {
        hotAdd(i);
        hotSet(i);
        if (i % 100 === 0) await new Promise((r) => setImmediate(r));
      }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--trace-opt', '--trace-deopt', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const optimised = (name: string): boolean => new RegExp(`completed optimizing 0x\\w+ <JSFunction ${name} `).test(r.stdout);
    assert.ok(optimised('hotAdd') && optimised('hotSet'), 'the callers were never optimised: the test proves nothing');
    const bailouts = r.stdout.split('\n').filter((l) => l.startsWith('[bailout') && /<JSFunction hot(Add|Set) /.test(l));
    assert.deepEqual(bailouts, []);
  });
});
