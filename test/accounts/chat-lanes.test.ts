/** ChatLanes (src/accounts/chat-lanes.ts): at most `limit` chats at once, each chat in order. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChatLanes } from '../../src/accounts/chat-lanes.js';

describe('ChatLanes(limit)', () => {
  it('runs at most `limit` chats at once and starts waiting chats in the order they became ready', async () => {
    const lanes = new ChatLanes(2);
    const started: string[] = [];
    const gates = new Map<string, () => void>();
    const task = (name: string) => () =>
      new Promise<void>((resolve) => {
        started.push(name);
        gates.set(name, resolve);
      });
    lanes.push('a', task('a1'));
    lanes.push('b', task('b1'));
    lanes.push('c', task('c1'));
    lanes.push('a', task('a2'));
    assert.deepEqual(started, ['a1', 'b1']);
    assert.equal(lanes.active, 2);
    gates.get('b1')!();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a1', 'b1', 'c1'], 'c took the free slot; a2 still waits behind a1');
    gates.get('a1')!();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a1', 'b1', 'c1', 'a2']);
    gates.get('a2')!();
    gates.get('c1')!();
    await lanes.idle();
    assert.equal(lanes.active, 0);
  });

  it('refuses a limit that is not a positive integer', () => {
    assert.throws(() => new ChatLanes(0), /positive integer/);
  });
});
