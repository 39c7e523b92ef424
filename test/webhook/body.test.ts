// The JSON body of a webhook and of the event log (src/webhook/events.ts, webhookBody): `{type, timestamp, account,
// transport?, data}` in that order, byte for byte what JSON.stringify of that object writes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { webhookBody, type OutboxEvent } from '../../src/webhook/events.js';

const at = Date.UTC(2026, 11, 1, 4, 30, 0, 123);

/** What JSON.stringify writes for the body's object: what webhookBody must write, byte for byte. */
function stringified(e: OutboxEvent): string {
  return JSON.stringify({
    type: e.type,
    timestamp: new Date(e.at).toISOString(),
    account: e.account,
    ...(e.transport && { transport: e.transport }),
    data: e.data ?? null,
  });
}

describe('webhookBody', () => {
  it('writes the documented object, with or without transport and data', () => {
    const message = { id: 'm1', chatId: 'c1', text: 'hé "quoted" \\ 😀', isSelf: false, at: 5 };
    const cases: OutboxEvent[] = [
      { type: 'message.received', account: 'a1', transport: 'web', chatId: 'c1', chat: { name: 'Alice' }, at, data: message },
      { type: 'message.received', account: 'a"1', at, data: message },
      { type: 'account.state', account: 'a1', transport: 'ilink', at, data: { state: 'online' } },
      { type: 'webhook.test', account: '', at, data: undefined },
      { type: 'account.state', account: 'a1', at, data: null },
      { type: 'account.state', account: 'a1', at, data: () => 1 },
    ];
    for (const e of cases) {
      assert.equal(webhookBody(e), stringified(e));
    }
    assert.deepEqual(JSON.parse(webhookBody(cases[0]!)), {
      type: 'message.received',
      timestamp: '2026-12-01T04:30:00.123Z',
      account: 'a1',
      transport: 'web',
      data: message,
    });
  });

  it('writes each head from its own event when consecutive events differ in one part only (the head is reused)', () => {
    const base: OutboxEvent = { type: 'message.received', account: 'a1', transport: 'web', at, data: { id: 'm1' } };
    // Each event differs from the one before it in exactly one part of the head.
    const sequence: OutboxEvent[] = [
      base,
      { ...base, data: { id: 'm2' } },
      { ...base, type: 'message.sent' },
      { ...base, type: 'message.sent', at: at + 1 },
      { ...base, type: 'message.sent', at: at + 1, account: 'a2' },
      { ...base, type: 'message.sent', at: at + 1, account: 'a2', transport: 'ilink' },
      { type: 'message.sent', at: at + 1, account: 'a2', data: { id: 'm3' } },
      base,
    ];
    for (const e of sequence) {
      assert.equal(webhookBody(e), stringified(e));
    }
  });

  it('gives a message with media a signed link, leaving the event as it was', () => {
    const data = { id: 'm2', media: { kind: 'image', size: 10 } };
    const e: OutboxEvent = { type: 'message.received', account: 'a1', transport: 'web', at, data };
    const body = JSON.parse(webhookBody(e, (account, id) => `https://bot.example/media/${account}/${id}`)) as { data: unknown };
    assert.deepEqual(body.data, { id: 'm2', media: { kind: 'image', size: 10, url: 'https://bot.example/media/a1/m2' } });
    assert.deepEqual(data, { id: 'm2', media: { kind: 'image', size: 10 } });
  });
});
