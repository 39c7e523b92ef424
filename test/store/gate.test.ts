import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';

describe('store.transaction(fn)', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-gate-'));
    store = openStore({ dataDir: dir });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits what fn wrote through tx, across awaits', async () => {
    await store.transaction(async (tx) => {
      await tx.accounts.create({ name: 'one', id: 'a1' });
      await new Promise((r) => setImmediate(r));
      await tx.kv.set('s', 'k', { v: 1 });
    });
    assert.equal((await store.accounts.get('a1'))?.name, 'one');
    assert.deepEqual(await store.kv.get('s', 'k'), { v: 1 });
  });

  it('rolls back everything when fn throws, and reports the error', async () => {
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.accounts.create({ name: 'one', id: 'a1' });
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await store.accounts.get('a1'), undefined);
  });

  it('makes other callers wait: a write made meanwhile is neither part of the transaction nor lost with its rollback', async () => {
    let release!: () => void;
    const paused = new Promise<void>((r) => (release = r));
    const tx = store.transaction(async (t) => {
      await t.accounts.create({ name: 'inside', id: 'in' });
      await paused;
      throw new Error('roll back');
    });
    // Issued while the transaction is open: it must wait for the rollback, then commit on its own.
    await new Promise((r) => setImmediate(r));
    const outside = store.accounts.create({ name: 'outside', id: 'out' });
    const seenMeanwhile = store.accounts.get('in');
    release();
    await assert.rejects(tx, /roll back/);
    await outside;
    assert.equal(await seenMeanwhile, undefined, 'a read issued during the transaction runs after it, never sees its uncommitted rows');
    assert.equal((await store.accounts.get('out'))?.name, 'outside');
    assert.equal(await store.accounts.get('in'), undefined);
  });

  it('refuses the tx handle once the transaction has ended', async () => {
    let leaked: Parameters<Parameters<Store['transaction']>[0]>[0] | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    await assert.rejects(leaked!.accounts.list(), /after it ended/);
  });

  it('refuses a repository the transaction used, and its methods with a plain twin, once the transaction has ended', async () => {
    let leaked: Store['stats'] | undefined;
    await store.transaction(async (tx) => {
      await tx.stats.add('a1', '2026-11-30', 'received');
      leaked = tx.stats;
    });
    await assert.rejects(leaked!.add('a1', '2026-11-30', 'received'), /after it ended/);
    assert.equal((await store.stats.range('a1', '2026-11-30', '2026-11-30'))[0]?.received, 1, 'the refused call wrote nothing');
  });

  it('runs transactions one after another in the order they were asked for', async () => {
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((n) =>
        store.transaction(async (tx) => {
          order.push(`${n}:start`);
          await tx.kv.set('s', n, n);
          await new Promise((r) => setImmediate(r));
          order.push(`${n}:end`);
        }),
      ),
    );
    assert.deepEqual(order, ['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('ping() answers while the database is open', async () => {
    assert.equal(await store.ping(), true);
  });
});
