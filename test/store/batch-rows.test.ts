// What a sync's batch writes in one statement where it used to write one per row (issue 17), on either engine (the
// switch's: `--store postgres` runs it on PostgreSQL): the statistics of its received messages and new chats of the
// day, and a burst's decision traces, whose skipped plugins are stored as short arrays and read back as steps.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/store/index.js';
import { ROWS_PER_INSERT } from '../../src/store/sql/rows-insert.js';
import type { DecisionTrace, TraceStep } from '../../src/pipeline/trace.js';
import { openTestStore } from '../helpers/store.js';

const root = mkdtempSync(join(tmpdir(), 'weiroto-batch-rows-'));
const opened: Store[] = [];
after(async () => {
  await Promise.all(opened.map((s) => s.close()));
  rmSync(root, { recursive: true, force: true });
});

async function fresh(): Promise<Store> {
  const store = await openTestStore({ dataDir: mkdtempSync(join(root, 's-')) });
  opened.push(store);
  return store;
}

const DAY = '2026-12-02';
const chats = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `@chat${from + i}`);

/** A trace as the plugin host makes it: one plugin replied, the others skipped (shared, frozen steps among them). */
function trace(i: number, skipped: TraceStep[]): DecisionTrace {
  return {
    account: 'a1',
    messageId: `m${i}`,
    chatId: `@chat${i % 5}`,
    chatName: `Chat ${i % 5}`,
    steps: [...skipped.slice(0, 2), { plugin: 'echo', outcome: 'replied', ms: i % 3 }, ...skipped.slice(2)],
    replied: true,
    reason: undefined,
    why: undefined,
    at: 1_700_000_000_000 + i,
  };
}

describe('batched rows', () => {
  it('a batch counts its received messages and the chats new that day, once each, beyond one statement of rows', async () => {
    const store = await fresh();
    assert.equal(await store.stats.received('a1', DAY, 3, chats(2)), 2);
    // More chats than one statement takes, two of them counted already.
    const many = chats(ROWS_PER_INSERT + 10);
    assert.equal(await store.stats.received('a1', DAY, many.length, many), many.length - 2);
    // A batch of known chats only; then one of nothing new.
    assert.equal(await store.stats.received('a1', DAY, 4, chats(3)), 0);
    assert.equal(await store.stats.received('a1', DAY, 1, []), 0);
    // touchChat is the same count, one chat at a time.
    assert.equal(await store.stats.touchChat('a1', DAY, '@other'), true);
    assert.equal(await store.stats.touchChat('a1', DAY, '@other'), false);
    const [day] = await store.stats.range('a1', DAY, DAY);
    assert.deepEqual([day?.received, day?.activeChats], [3 + many.length + 4 + 1, many.length + 1]);
    // Another day, another account: counted apart.
    await store.stats.received('a1', '2026-12-03', 1, chats(1));
    await store.stats.received('a2', DAY, 1, chats(1));
    const [next] = await store.stats.range('a1', '2026-12-03', '2026-12-03');
    const [other] = await store.stats.range('a2', DAY, DAY);
    assert.deepEqual([next?.received, next?.activeChats, other?.received, other?.activeChats], [1, 1, 1, 1]);
  });

  it('a burst of traces is stored in order and read back step by step, skipped plugins with their reasons', async () => {
    const store = await fresh();
    const skipped: TraceStep[] = [
      Object.freeze({ plugin: 'admin-commands', outcome: 'skipped', ms: 0, skip: 'disabled' }),
      { plugin: 'ai', outcome: 'skipped', ms: 0, skip: 'unsupported' },
      Object.freeze({ plugin: 'forward', outcome: 'skipped', ms: 0, skip: 'not-reached', by: 'echo' }),
      { plugin: 'schedule', outcome: 'skipped', ms: 0, skip: 'no-handler' },
    ];
    const failed: DecisionTrace = {
      ...trace(0, skipped),
      messageId: 'failed',
      steps: [{ plugin: 'ai', outcome: 'failed', ms: 12, error: 'boom', errorPhrase: { code: 'plugin.failed', params: { plugin: 'ai' } } }, skipped[2]!],
      replied: false,
      reason: 'ai failed',
      why: [{ code: 'trace.failed', params: { plugins: 'ai' } }],
      chatName: undefined,
    };
    const burst = [failed, ...Array.from({ length: ROWS_PER_INSERT + 6 }, (_, i) => trace(i + 1, skipped))];
    await store.traces.insertMany(burst);
    await store.traces.insertMany([trace(1000, skipped)]);
    const listed = await store.traces.list('a1', { limit: 1000 });
    assert.deepEqual(
      listed.map((t) => t.messageId),
      [...burst, trace(1000, skipped)].map((t) => t.messageId).reverse(),
      'newest first, in the order written',
    );
    // Read back as the host made them (undefined fields are left out, as JSON leaves them out).
    const plain = (t: DecisionTrace): unknown => JSON.parse(JSON.stringify(t));
    assert.deepEqual(listed.at(-1), plain(failed));
    assert.deepEqual(listed.at(-2), plain(burst[1]!));
    const [one] = await store.traces.list('a1', { messageId: 'm7' });
    assert.deepEqual(one, plain(burst[7]!));
  });
});
