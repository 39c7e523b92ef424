import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createKeyedQueue } from '../../../src/pipeline/helpers/keyed-queue.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createKeyedQueue().run(key, task)', () => {
  it('runs tasks of one key in order and other keys alongside', async () => {
    const q = createKeyedQueue();
    const log: string[] = [];
    const gate = deferred();
    const a1 = q.run('a', async () => {
      await gate.promise;
      log.push('a1');
    });
    const a2 = q.run('a', async () => void log.push('a2'));
    const b1 = q.run('b', async () => void log.push('b1'));
    await b1;
    assert.deepEqual(log, ['b1'], 'b must not wait for a');
    assert.equal(q.size('a'), 2);
    gate.resolve();
    await Promise.all([a1, a2]);
    assert.deepEqual(log, ['b1', 'a1', 'a2']);
    await q.idle();
    assert.equal(q.active, 0);
  });

  it('a failing task rejects its own promise and does not stop the next', async () => {
    const q = createKeyedQueue();
    const bad = q.run('k', async () => {
      throw new Error('boom');
    });
    const good = q.run('k', async () => 42);
    await assert.rejects(bad, /boom/);
    assert.equal(await good, 42);
  });
});
