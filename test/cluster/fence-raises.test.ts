// Fence raises asked for in one turn of the event loop reach the store as one call (one transaction).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FenceRaises } from '../../src/cluster/fence-raises.js';
import type { FenceRaise } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';

describe('fence raises', () => {
  it('go to the store together when asked in the same turn, each answered with its own fence', async () => {
    const store = await openTestStore({ dataDir: mkdtempSync(join(tmpdir(), 'w-fence-raises-')) });
    try {
      const calls: FenceRaise[][] = [];
      const raises = new FenceRaises({ raiseAll: (batch, wait) => (calls.push(batch), store.fences.raiseAll(batch, wait)) }, 1000);
      await store.fences.raise('c', 9, 1000);
      assert.deepEqual(await Promise.all([raises.raise('a', 1), raises.raise('b', 2), raises.raise('c', 3)]), [1, 2, 9]);
      assert.equal(calls.length, 1, 'one call for the three');
      assert.equal(await raises.raise('a', 4), 4);
      assert.equal(calls.length, 2, 'a raise asked later is a call of its own');
    } finally {
      await store.close();
    }
  });

  it('fail together when their call fails', async () => {
    const raises = new FenceRaises({ raiseAll: () => Promise.reject(new Error('lock timeout')) }, 1000);
    const results = await Promise.allSettled([raises.raise('a', 1), raises.raise('b', 1)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
  });
});
