// The event writers of one event (src/bot/event-writers.ts): in their order, each once the one before has written,
// and a writer that writes nothing is not waited on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NOTHING_WRITTEN, writeWith } from '../../src/bot/event-writers.js';
import type { BotEvent, EventWriter } from '../../src/bot/types.js';
import type { Repos } from '../../src/store/index.js';

const event: BotEvent = { type: 'message.received', account: 'a1', chatId: 'c1', at: 0, data: { id: 'm1' } };
const tx = {} as Repos;

describe('writeWith', () => {
  it('runs each writer after the one before has written, in order', async () => {
    const log: string[] = [];
    const slow =
      (name: string): EventWriter =>
      async () => {
        log.push(`${name} start`);
        await new Promise((r) => setTimeout(r, 5));
        log.push(`${name} end`);
      };
    await writeWith([slow('outbox'), () => NOTHING_WRITTEN, slow('log')], event, tx);
    assert.deepEqual(log, ['outbox start', 'outbox end', 'log start', 'log end']);
  });

  it('answers NOTHING_WRITTEN when no writer wrote, and the one promise of the only writer that did', async () => {
    assert.equal(writeWith([], event, tx), NOTHING_WRITTEN);
    assert.equal(writeWith([() => NOTHING_WRITTEN, () => NOTHING_WRITTEN], event, tx), NOTHING_WRITTEN);
    const wrote = Promise.resolve();
    assert.equal(writeWith([() => NOTHING_WRITTEN, () => wrote], event, tx), wrote);
  });

  it('stops at a writer that fails: the transaction is rolled back, and the writers after it do not run', async () => {
    let ran = false;
    const failing: EventWriter = () => Promise.reject(new Error('disk full'));
    await assert.rejects(writeWith([failing, async () => void (ran = true)], event, tx), /disk full/);
    assert.equal(ran, false);
  });
});
