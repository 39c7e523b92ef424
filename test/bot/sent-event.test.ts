// A send's `message.sent` event is published (event stream, the manager's listeners) as its batch wrote it to the
// journal: the same time and chat label as in the event log, not a second event stamped when the batch committed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bot } from '../../src/bot/bot.js';
import type { BotEvent } from '../../src/bot/types.js';
import { openTestStore } from '../helpers/store.js';
import { FakeTransport } from '../../src/testing/fake-transport.js';
import { FAKE_WORLD } from '../../src/testing/conversation.js';
import { createEventLog } from '../../src/webhook/event-log.js';
import { FakeClock, type Clock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/logger.js';
import { storeSettled } from '../helpers/store-activity.js';

describe('bot: the message.sent event', () => {
  it('is published as the event log has it (same time, same chat label)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weiroto-sent-event-'));
    const store = await openTestStore({ dataDir: dir });
    const fake = new FakeClock(Date.UTC(2025, 0, 1, 8));
    fake.settle = storeSettled(store);
    // Every reading of the clock a millisecond later than the one before: an event stamped twice shows.
    let ticks = 0;
    const clock: Clock = { now: () => fake.now() + ticks++, sleep: (ms, signal) => fake.sleep(ms, signal), random: () => fake.random() };
    const transport = new FakeTransport({ now: () => clock.now(), contacts: [FAKE_WORLD.alice] });
    const log = createEventLog(store.eventLog);
    const written: BotEvent[] = [];
    const published: BotEvent[] = [];
    await store.accounts.create({ name: 'a', id: 'a1' });
    const bot = new Bot({
      id: 'a1',
      name: 'a',
      transport,
      repos: store,
      clock,
      log: silentLogger(),
      pacing: null,
      eventWriters: [(e, tx) => (written.push(e), log.write(e, tx))],
      publish: (e) => published.push(e),
    });
    try {
      await transport.start();
      bot.setState('online');
      await bot.queue.start();
      const rec = await bot.send({ id: '@alice' }, { type: 'text', text: 'hello' });
      assert.equal((await bot.waitFor(rec.id, 5000)).status, 'sent');
      await bot.drain();
      const sentWritten = written.filter((e) => e.type === 'message.sent');
      const sentPublished = published.filter((e) => e.type === 'message.sent');
      assert.equal(sentWritten.length, 1);
      assert.equal(sentPublished.length, 1);
      assert.deepEqual(sentPublished[0], sentWritten[0]);
      const [logged] = await log.read({ after: 0, types: ['message.sent'] });
      assert.equal(logged?.at, sentPublished[0]!.at);
      assert.deepEqual(sentPublished[0]!.chat, { name: FAKE_WORLD.alice.name, stableId: FAKE_WORLD.alice.stableId });
    } finally {
      await bot.queue.stop();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
