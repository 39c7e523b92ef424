// A send's `message.sent` row in the event log (what SSE replay reads) comes before what arrived after its answer,
// although the final states of sends commit in batches (issue 17): the bot commits the waiting batch before it stores
// a received message. Every event once, in the order it happened.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bot } from '../../src/bot/bot.js';
import type { SentMessage } from '../../src/transport/model.js';
import { openTestStore } from '../helpers/store.js';
import { FakeTransport } from '../../src/testing/fake-transport.js';
import { FAKE_WORLD } from '../../src/testing/conversation.js';
import { createEventLog } from '../../src/webhook/event-log.js';
import { FakeClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/logger.js';
import { waitUntil } from '../../src/testing/wait.js';
import { storeSettled } from '../helpers/store-activity.js';

describe('bot: batched final states and the event log', () => {
  it('logs message.sent of a send answered before a message arrived ahead of that message, once each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weiroto-settle-order-'));
    const store = await openTestStore({ dataDir: dir });
    const clock = new FakeClock(Date.UTC(2025, 0, 1, 8));
    clock.settle = storeSettled(store);
    const fake = new FakeTransport({ now: () => clock.now(), contacts: [FAKE_WORLD.alice, FAKE_WORLD.bob] });
    // The send to Bob is held by "WeChat" until the end: while it is under way, Alice's answered send waits for its batch.
    let answerBob!: () => void;
    const held = Object.create(fake) as FakeTransport;
    held.sendText = (to: string, text: string) =>
      to === '@bob' ? new Promise<SentMessage>((resolve) => (answerBob = () => void fake.sendText(to, text).then(resolve))) : fake.sendText(to, text);
    const log = createEventLog(store.eventLog);
    await store.accounts.create({ name: 'a', id: 'a1' });
    const bot = new Bot({ id: 'a1', name: 'a', transport: held, repos: store, clock, log: silentLogger(), pacing: null, eventWriters: [log.write] });
    try {
      await fake.start();
      await bot.queue.start();
      const toBob = await bot.send({ id: '@bob' }, { type: 'text', text: 'to Bob' });
      await waitUntil(() => answerBob !== undefined, 5000, 'the send to Bob under way');
      const toAlice = await bot.send({ id: '@alice' }, { type: 'text', text: 'to Alice' });
      await waitUntil(() => fake.sent.some((s) => s.text === 'to Alice'), 5000, 'WeChat to answer the send to Alice');
      fake.receive({ from: '@carol', text: 'after your answer' });
      await bot.idle();
      answerBob();
      await bot.queue.idle();
      await bot.drain();
      const events = (await log.read({ after: 0, types: ['message.sent', 'message.received'] })).map((e) => {
        const body = JSON.parse(e.body) as { data: { id?: string; text?: string } };
        return `${e.type} ${body.data.id === toAlice.id ? 'to Alice' : body.data.id === toBob.id ? 'to Bob' : (body.data.text ?? '')}`;
      });
      assert.deepEqual(events, ['message.sent to Alice', 'message.received after your answer', 'message.sent to Bob']);
    } finally {
      await bot.queue.stop();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
