// A sync's messages stored in one multi-row insert with their events in one event log insert (issue 17): a duplicate
// delivery (of a row stored before, or twice in the same batch) is still detected (the transport's `storedBefore`,
// no second event, no second 'message'), and the events keep the order the messages came in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bot } from '../../src/bot/bot.js';
import type { Message } from '../../src/transport/model.js';
import { openTestStore } from '../helpers/store.js';
import { FakeTransport } from '../../src/testing/fake-transport.js';
import { FAKE_WORLD } from '../../src/testing/conversation.js';
import { createEventLog } from '../../src/webhook/event-log.js';
import { FakeClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/logger.js';
import { storeSettled } from '../helpers/store-activity.js';

describe('bot: a batch of received messages', () => {
  it('stores new ones once each, in order, and hands duplicates (stored before or twice in the batch) back to the transport', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weiroto-store-batch-'));
    const store = await openTestStore({ dataDir: dir });
    const clock = new FakeClock(Date.UTC(2025, 0, 1, 8));
    clock.settle = storeSettled(store);
    const fake = new FakeTransport({ now: () => clock.now(), contacts: [FAKE_WORLD.alice, FAKE_WORLD.bob] });
    const storedBefore: string[] = [];
    // The transport's own hook (the iLink client undoes what a delivery opened), on a view of the fake.
    const transport = Object.assign(Object.create(fake) as FakeTransport, { storedBefore: (m: Message) => void storedBefore.push(m.id) });
    const log = createEventLog(store.eventLog);
    await store.accounts.create({ name: 'a', id: 'a1' });
    const bot = new Bot({ id: 'a1', name: 'a', transport, repos: store, clock, log: silentLogger(), pacing: null, eventWriters: [log.write] });
    const announced: string[] = [];
    bot.on('message', (m) => announced.push(m.id));
    try {
      await fake.start();
      fake.receive({ from: '@alice', text: 'first', id: 'm1' });
      await bot.idle();
      // One batch (received in one turn): m1 again, m2, m3, m2 again, m4.
      for (const [id, from] of [
        ['m1', '@alice'],
        ['m2', '@bob'],
        ['m3', '@alice'],
        ['m2', '@bob'],
        ['m4', '@bob'],
      ] as const)
        fake.receive({ from, text: `text of ${id}`, id });
      await bot.idle();
      assert.deepEqual(storedBefore, ['m1', 'm2']);
      assert.deepEqual(announced, ['m1', 'm2', 'm3', 'm4']);
      const events = (await log.read({ after: 0, types: ['message.received'] })).map((e) => (JSON.parse(e.body) as { data: { id: string } }).data.id);
      assert.deepEqual(events, ['m1', 'm2', 'm3', 'm4']);
      const [day] = await store.stats.range('a1', '2025-01-01', '2025-01-01');
      assert.deepEqual([day?.received, day?.activeChats], [4, 2]);
    } finally {
      await bot.drain();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
