// The final states of sends commit in batches (issue 17): the answers that come while other calls are under way share
// one COMMIT; a send with no other call under way commits at once; a call WeChat holds delays the others' marks by
// SETTLE_MAX_DELAY_MS at most; what waits rides along with any write that commits meanwhile (SQLite's group commit);
// what a caller waits for (`waitFor`) commits at once, what a chat's next row waits for within SETTLE_HURRY_MS; and a chat's next row is not
// handed over before the COMMIT of its previous one (after a crash, only the oldest queued row of a chat may have been
// handed over unmarked).
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { OutboundQueue, SETTLE_HURRY_MS, SETTLE_MAX_DELAY_MS } from '../../src/bot/outbound-queue.js';
import type { OutboundRecord } from '../../src/bot/outbound-record.js';
import type { SentMessage } from '../../src/transport/model.js';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { FakeClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/logger.js';
import { FakeTransport } from '../../src/testing/fake-transport.js';
import { waitUntil } from '../../src/testing/wait.js';
import { storeSettled } from '../helpers/store-activity.js';
import { markAll } from '../helpers/settled.js';
import { rawRows } from '../helpers/raw-db.js';

describe('OutboundQueue: final states committed in batches', () => {
  let dir: string;
  let store: Store;
  let clock: FakeClock;
  let queue: OutboundQueue;
  /** The texts of each commitSettled call, in order. */
  let commits: string[][];
  /** Calls under way, by text: the test answers them. */
  let calls: Map<string, () => void>;
  let called: string[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-settle-'));
    store = await openTestStore({ dataDir: dir });
    await store.accounts.create({ name: 'a', id: 'a1' });
    clock = new FakeClock(Date.UTC(2025, 0, 1, 8));
    clock.settle = storeSettled(store);
    const fake = new FakeTransport({ now: () => clock.now() });
    await fake.start();
    commits = [];
    calls = new Map();
    called = [];
    // Each call waits until the test answers it.
    const held = Object.create(fake) as FakeTransport;
    held.sendText = (to: string, text: string) => {
      called.push(text);
      return new Promise<SentMessage>((resolve, reject) => calls.set(text, () => fake.sendText(to, text).then(resolve, reject)));
    };
    queue = new OutboundQueue({
      account: 'a1',
      repo: store.outbound,
      transport: () => held,
      clock,
      log: silentLogger(),
      pacing: null,
      canSend: () => true,
      commitSettled: (records: OutboundRecord[]) => {
        commits.push(records.map((r) => r.text!));
        return markAll(store, records);
      },
      ...(store.onGroupOpen && { onGroupOpen: (listener: () => void) => store.onGroupOpen!(listener) }),
    });
    await queue.start();
  });
  afterEach(async () => {
    for (const answer of calls.values()) answer();
    await queue.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const enqueue = (chatId: string, text: string): Promise<OutboundRecord> =>
    queue.enqueue({ id: randomUUID(), account: 'a1', chatId, type: 'text', text, createdAt: clock.now() });
  const answer = (text: string): void => {
    calls.get(text)!();
    calls.delete(text);
  };
  /** The row's committed status, read on a connection of its own: a read through the store would open a group (and the batch would ride along). */
  const status = async (r: OutboundRecord): Promise<string> =>
    (await rawRows<{ status: string }>(dir, 'select status from outbound where id = ?', r.id))[0]!.status;

  it('the answers that come while other calls are under way share one COMMIT; a lone send commits at once', async () => {
    const rows = await Promise.all(['@a', '@b', '@c'].map((chat) => enqueue(chat, `to ${chat}`)));
    await waitUntil(() => called.length === 3, 5000, 'three calls under way');
    answer('to @a');
    answer('to @b');
    // Answered, but a call is still under way: their final states wait for it (or for the delay bound).
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(commits, []);
    assert.equal(await status(rows[0]!), 'queued');
    answer('to @c');
    await waitUntil(() => commits.length === 1, 5000, 'the batch to commit');
    await queue.idle();
    assert.deepEqual(commits, [['to @a', 'to @b', 'to @c']], 'one commit for the three answers, in the order they came');
    for (const r of rows) assert.equal(await status(r), 'sent');

    const lone = await enqueue('@d', 'alone');
    await waitUntil(() => called.includes('alone'), 5000, 'the call');
    answer('alone');
    const done = await queue.waitFor(lone.id, 5000);
    assert.equal(done.status, 'sent');
    assert.deepEqual(commits.at(-1), ['alone'], 'no other call under way: committed at once, no delay');
  });

  it('a held call delays the others by the bound at most, which is longer than the time between two syncs', async () => {
    const a1 = await enqueue('@a', 'a1');
    await enqueue('@b', 'b1 (held)');
    await waitUntil(() => called.length === 2, 5000, 'a1 and b1 under way');
    answer('a1');
    // 20 ms was the bound before: most batches of a burst then committed on their own instead of with the next sync's group.
    await clock.advance(20);
    assert.equal(await status(a1), 'queued', 'still waiting for a group to ride along with');
    assert.deepEqual(commits, []);
    await clock.advance(SETTLE_MAX_DELAY_MS - 20);
    await waitUntil(() => commits.length === 1, 5000, 'the batch to commit at the bound');
    assert.equal(await status(a1), 'sent', 'committed at the bound although b1 is still under way');
    answer('b1 (held)');
    await queue.idle();
    assert.deepEqual(commits, [['a1'], ['b1 (held)']]);
  });

  it("a chat's next row brings its previous row's COMMIT forward to SETTLE_HURRY_MS, and is handed over only after it", async () => {
    const [a1, a2] = [await enqueue('@a', 'a1'), await enqueue('@a', 'a2')];
    await enqueue('@b', 'b1 (held)');
    await waitUntil(() => called.length === 2, 5000, 'a1 and b1 under way');
    assert.deepEqual(called, ['a1', 'b1 (held)'], 'a2 waits for a1');
    answer('a1');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(await status(a1), 'queued', 'not at once: each row of a busy chat would pay a COMMIT of its own');
    assert.ok(!called.includes('a2'));
    // a2 does not sit out the batch's long bound.
    await clock.advance(SETTLE_HURRY_MS);
    await waitUntil(() => called.includes('a2'), 5000, 'a2 to go once a1 is committed');
    assert.equal(await status(a1), 'sent', 'a1 committed before a2 was handed over');
    assert.deepEqual(commits, [['a1']]);
    answer('a2');
    answer('b1 (held)');
    await queue.idle();
    assert.deepEqual(commits, [['a1'], ['a2', 'b1 (held)']]);
    assert.equal(await status(a2), 'sent');
  });

  it('a caller waiting for a send hears of it without waiting for the bound', async () => {
    const a1 = await enqueue('@a', 'a1');
    await enqueue('@b', 'b1 (held)');
    await waitUntil(() => called.length === 2, 5000, 'a1 and b1 under way');
    const waited = queue.waitFor(a1.id, 60_000);
    await waitUntil(() => calls.has('a1'), 5000, 'a1 under way');
    // The waiter is registered before the answer comes (waitFor read the row first).
    await new Promise((r) => setImmediate(r));
    answer('a1');
    const done = await waited;
    assert.equal(done.status, 'sent');
    assert.deepEqual(commits, [['a1']], 'committed at once although b1 is still under way');
  });

  it('final states waiting for their batch ride along with the next write that commits anyway (SQLite)', async (t) => {
    if (!store.onGroupOpen) return t.skip('no group commit on this store');
    const a1 = await enqueue('@a', 'a1');
    await enqueue('@b', 'b1 (held)');
    await waitUntil(() => called.length === 2, 5000, 'a1 and b1 under way');
    answer('a1');
    await new Promise((r) => setImmediate(r));
    assert.equal(await status(a1), 'queued', 'waiting for its batch (b1 is under way)');
    // Any write: its group carries the waiting batch, so both are committed when it resolves.
    await store.kv.set('s', 'k', 'v');
    assert.equal(await status(a1), 'sent');
    assert.deepEqual(commits, [['a1']]);
  });
});
