import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestStore } from '../helpers/store.js';
import { dedupeKeys, isDuplicate } from '../../src/ilink/dedupe.js';

describe('seen keys (iLink exactly-once across restarts)', () => {
  it('remembers keys per account in the SQLite file, answers first-seen times, prunes old ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weiroto-seen-'));
    try {
      let store = await openTestStore({ dataDir: dir });
      for (const id of ['a', 'b']) store.accounts.create({ name: id, id });
      const msg = { seq: 3, message_id: 42, from_user_id: 'u@im.wechat', create_time_ms: 1000, item_list: [{ type: 1, text_item: { text: 'hi' } }] };
      const keys = dedupeKeys(msg);
      assert.equal(await isDuplicate(store.seenKeys('a'), keys, 5000), false);
      await store.seenKeys('a').remember(keys, 5000);
      await store.seenKeys('a').remember(['id:u@im.wechat:42'], 9999);
      store.close();
      store = await openTestStore({ dataDir: dir });
      const a = store.seenKeys('a');
      assert.equal(await isDuplicate(a, keys, 6000), true, 'seen before the restart');
      assert.equal(await isDuplicate(store.seenKeys('b'), keys, 6000), false, 'per account');
      assert.equal((await a.seen(['id:u@im.wechat:42'])).get('id:u@im.wechat:42'), 5000, 'first sighting kept');
      // A replay with a new id but the same seq is a copy; the text key only counts for 5 minutes.
      assert.equal(await isDuplicate(a, dedupeKeys({ ...msg, message_id: 43 }), 6000), true);
      const textOnly = dedupeKeys({ ...msg, message_id: undefined, seq: undefined });
      assert.equal(await isDuplicate(a, textOnly, 5000 + 60_000), true);
      assert.equal(await isDuplicate(a, textOnly, 5000 + 6 * 60_000), false);
      await a.prune(6000);
      assert.equal(await isDuplicate(a, keys, 7000), false);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
