import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TypedEmitter } from '../../src/util/typed-emitter.js';

describe('TypedEmitter', () => {
  it('delivers to each listener in order and unsubscribes', () => {
    const e = new TypedEmitter<{ tick: number }>();
    const seen: string[] = [];
    const off = e.on('tick', (n) => seen.push(`a${n}`));
    e.on('tick', (n) => seen.push(`b${n}`));
    e.emit('tick', 1);
    off();
    e.emit('tick', 2);
    assert.deepEqual(seen, ['a1', 'b1', 'b2']);
    assert.equal(e.count('tick'), 1);
  });

  it('reports a throwing listener and still runs the others', () => {
    const errors: [unknown, string][] = [];
    const e = new TypedEmitter<{ tick: number }>((err, event) => errors.push([err, event]));
    const seen: number[] = [];
    e.on('tick', () => {
      throw new Error('boom');
    });
    e.on('tick', (n) => seen.push(n));
    e.emit('tick', 7);
    assert.deepEqual(seen, [7]);
    assert.equal(errors.length, 1);
    assert.equal((errors[0]![0] as Error).message, 'boom');
    assert.equal(errors[0]![1], 'tick');
  });
});
