// The account timeline in a real SQLite file: newest first, bounded per account, gone with the account.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TIMELINE_KEEP } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';

describe('timeline repository', () => {
  it('keeps the newest TIMELINE_KEEP entries per account, newest first, and forgets them with the account', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weiroto-timeline-'));
    const store = await openTestStore({ dataDir: dir });
    try {
      const a = await store.accounts.create({ name: 'a' });
      const b = await store.accounts.create({ name: 'b' });
      for (let i = 0; i < TIMELINE_KEEP + 5; i++) await store.timeline.add(a.id, 1000 + i, 'login-failed', { attempt: i + 1 });
      await store.timeline.add(b.id, 5, 'online', { self: 'B' });
      const all = await store.timeline.list(a.id, TIMELINE_KEEP + 50);
      assert.equal(all.length, TIMELINE_KEEP);
      assert.deepEqual(all[0]!.data, { attempt: TIMELINE_KEEP + 5 });
      assert.deepEqual(all.at(-1)!.data, { attempt: 6 });
      assert.equal((await store.timeline.list(a.id)).length, 50);
      assert.deepEqual(
        (await store.timeline.list(b.id)).map((e) => [e.kind, e.data]),
        [['online', { self: 'B' }]],
      );
      await store.accounts.purge(a.id);
      assert.equal((await store.timeline.list(a.id)).length, 0);
      assert.equal((await store.timeline.list(b.id)).length, 1);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
