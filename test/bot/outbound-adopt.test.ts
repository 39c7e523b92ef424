// The outbound queue in a cluster: rows another node committed for this account (a send accepted
// there) are adopted once, and a row kept in memory from an earlier run here is not sent again when
// another node sent it meanwhile (the account ran there between two runs here).
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { OutboundQueue } from '../../src/bot/outbound-queue.js';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { FakeClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/logger.js';
import { FakeTransport } from '../../src/testing/fake-transport.js';
import { storeSettled } from '../helpers/store-activity.js';

describe('OutboundQueue across nodes', () => {
  let dir: string;
  let store: Store;
  let clock: FakeClock;
  let fake: FakeTransport;
  let queue: OutboundQueue;
  let online: boolean;

  const row = (text: string) => ({ id: randomUUID(), account: 'a1', chatId: '@alice', type: 'text' as const, text, createdAt: clock.now() });
  const sentTexts = () => fake.sent.map((s) => s.text);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-adopt-'));
    store = await openTestStore({ dataDir: dir });
    await store.accounts.create({ name: 'a', id: 'a1' });
    clock = new FakeClock(Date.UTC(2025, 0, 1, 8));
    clock.settle = storeSettled(store);
    fake = new FakeTransport({ now: () => clock.now() });
    await fake.start();
    online = true;
    queue = new OutboundQueue({
      account: 'a1',
      repo: store.outbound,
      transport: () => fake,
      clock,
      log: silentLogger(),
      pacing: null,
      canSend: () => online,
      commitSettled: (_r, mark) => store.transaction((tx) => mark(tx.outbound)),
    });
  });
  afterEach(async () => {
    await queue.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adopts a row committed elsewhere once, however often it is routed, and no row that is not queued', async () => {
    await queue.start();
    const { record } = await store.outbound.enqueue(row('from node A'));
    await Promise.all([queue.adopt(record.id), queue.adopt(record.id)]);
    await clock.advance(0);
    await queue.idle();
    await queue.adopt(record.id);
    const other = (await store.outbound.enqueue(row('sent by another holder'))).record;
    await store.outbound.markSent(other.id, 'wx-other', clock.now(), 1);
    await queue.adopt(other.id);
    await queue.adopt('no-such-row');
    await clock.advance(0);
    await queue.idle();
    assert.deepEqual(sentTexts(), ['from node A']);
    assert.equal((await store.outbound.get(record.id))!.status, 'sent');
  });

  it('drops a row it kept from an earlier run when another node sent it meanwhile', async () => {
    online = false;
    await queue.start();
    const kept = await queue.enqueue(row('queued here, sent elsewhere'));
    const still = await queue.enqueue(row('queued here, still queued'));
    await queue.stop();
    // The account ran on another node, which sent the first row.
    await store.outbound.markSent(kept.id, 'wx-elsewhere', clock.now(), 1);
    online = true;
    await queue.start();
    await clock.advance(0);
    await queue.idle();
    assert.deepEqual(sentTexts(), ['queued here, still queued']);
    assert.equal((await store.outbound.get(still.id))!.status, 'sent');
  });
});
