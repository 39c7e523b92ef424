// The event vocabulary (src/bot/event-vocabulary.ts) is the one list of events: every transport
// event has a row, the Bot re-emits and journals what the rows say, and the plugin event list, the
// webhook event types, the API's validation and the OpenAPI enum all come from it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BOT_ORIGIN_ROUTES, PLUGIN_EVENT_NAMES, TRANSPORT_EVENT_ROUTES, WEBHOOK_EVENT_TYPES, routeOf } from '../../src/bot/event-vocabulary.js';
import { BOT_EVENTS, type BotEventName } from '../../src/bot/events.js';
import type { BotEvent } from '../../src/bot/types.js';
import { endpointInputSchema } from '../../src/webhook/service.js';
import { openApiDocument } from '../../src/api/openapi.js';
import type { TransportEventName, TransportEvents } from '../../src/transport/transport.js';
import { createConversation, FAKE_ROOM, FAKE_WORLD } from '../../src/testing/conversation.js';
import { waitUntil } from '../../src/testing/wait.js';

const at = 1_700_000_000_000;
const message = {
  id: 'm1',
  type: 'text',
  chatId: '@alice',
  senderId: '@alice',
  toId: '@self',
  isSelf: false,
  text: 'hi',
  mentionsSelf: false,
  mentions: [],
  createdAt: at,
} as const;

/** One payload per transport event; a transport event added without one here does not compile. */
const samples: { [E in TransportEventName]: TransportEvents[E] } = {
  qr: { text: 'https://login.weixin.qq.com/l/x', dataUrl: 'data:image/png;base64,', id: 'x', createdAt: at },
  scanned: {},
  'verify-code': { qrId: 'x', retry: false },
  'session-changed': { at },
  step: { step: 'loading' },
  login: { self: { ...FAKE_WORLD.alice, id: '@self', name: 'Bot', kind: 'self' } },
  ready: { contacts: 2, rooms: 1 },
  logout: { reason: 'kicked' },
  message: { ...message, mentions: [] },
  'friend-request': { contactId: '@dan', name: 'Dan', greeting: 'hello', ticket: 't', gender: 'unknown', receivedAt: at },
  'contact-update': FAKE_WORLD.alice,
  'contact-delete': { id: '@gone' },
  'room-update': FAKE_ROOM,
  'room-delete': { id: '@@gone' },
  'room-join': { roomId: FAKE_ROOM.id, names: ['Dan'], memberIds: ['@dan'], via: 'invite', bySelf: false, at },
  'room-leave': { roomId: FAKE_ROOM.id, names: ['Bob'], memberIds: ['@bob'], self: false, at },
  'room-topic': { roomId: FAKE_ROOM.id, topic: 'Kin', changerName: 'Alice', at },
  recall: { chatId: '@alice', messageId: 'm0', bySelf: false, notice: 'Alice recalled a message', at },
  'friend-added': { contactId: '@dan', name: 'Dan', at },
  'chat-opened': { chatId: '@alice' },
  'self-update': { ...FAKE_WORLD.alice, id: '@self', name: 'Bot', kind: 'self' },
  heartbeat: { at },
  error: new Error('a transport problem'),
};

describe('event vocabulary', () => {
  it('has a row for every transport event, and only for those', () => {
    assert.deepEqual(Object.keys(TRANSPORT_EVENT_ROUTES).sort(), Object.keys(samples).sort());
  });

  it('names every Bot event exactly once (re-emitted from a transport event, or originated by the Bot)', () => {
    const named = [...Object.values(TRANSPORT_EVENT_ROUTES).flatMap((r) => ('bot' in r ? [r.bot] : [])), ...Object.keys(BOT_ORIGIN_ROUTES)];
    assert.deepEqual([...named].sort(), Object.keys(BOT_EVENTS).sort());
    assert.equal(new Set(named).size, named.length);
  });

  it('derives the plugin events and the webhook types from the rows', () => {
    const webhook = [...Object.values(TRANSPORT_EVENT_ROUTES), ...Object.values(BOT_ORIGIN_ROUTES)].flatMap((r) => ('webhook' in r ? [r.webhook] : []));
    assert.deepEqual([...WEBHOOK_EVENT_TYPES], webhook);
    assert.equal(new Set(webhook).size, webhook.length, 'webhook types are unique');
    assert.ok(PLUGIN_EVENT_NAMES.includes('message-sent') && PLUGIN_EVENT_NAMES.includes('friend-request'));
    assert.ok(!PLUGIN_EVENT_NAMES.includes('message' as never), 'messages reach plugins through middleware, not api.on');
  });

  it('is what webhook subscriptions accept and what the OpenAPI document lists', () => {
    for (const type of WEBHOOK_EVENT_TYPES) assert.ok(endpointInputSchema.safeParse({ url: 'https://example.com/h', eventTypes: [type] }).success, type);
    assert.equal(endpointInputSchema.safeParse({ url: 'https://example.com/h', eventTypes: ['message.deleted'] }).success, false);
    const doc = openApiDocument() as { components: { schemas: Record<string, { properties?: Record<string, { items?: { enum?: string[] } }> }> } };
    const enums = Object.values(doc.components.schemas).flatMap((s) => s.properties?.eventTypes?.items?.enum ?? []);
    for (const type of WEBHOOK_EVENT_TYPES) assert.ok(enums.includes(type), `OpenAPI enum lists ${type}`);
  });

  it('is what the Bot does: each transport event is re-emitted and journalled as its row says', async () => {
    const chat = await createConversation({ plugins: [] });
    try {
      const emitted: { name: BotEventName; payload: unknown }[] = [];
      for (const name of Object.keys(BOT_EVENTS) as BotEventName[]) chat.bot.on(name, (payload) => emitted.push({ name, payload }));
      const journal: BotEvent[] = [];
      chat.manager.onEvent((e) => journal.push(e));
      for (const event of Object.keys(samples) as TransportEventName[]) {
        if (event === 'logout') continue; // ends the session; checked last
        const route = routeOf(event);
        emitted.length = 0;
        journal.length = 0;
        chat.fake!.emit(event, samples[event] as never);
        await chat.bot.drain();
        if (route.bot) {
          await waitUntil(() => emitted.some((e) => e.name === route.bot), 5000, `${event} re-emitted as ${route.bot}`);
          const payload = emitted.find((e) => e.name === route.bot)!.payload;
          if (event === 'message') assert.equal((payload as { id: string }).id, message.id);
          else assert.deepEqual(payload, samples[event]);
        } else {
          assert.deepEqual(
            emitted.filter((e) => e.name !== 'state').map((e) => e.name),
            [],
            `${event} has no bot event`,
          );
        }
        if (route.webhook) {
          await waitUntil(() => journal.some((e) => e.type === route.webhook), 5000, `${event} journalled as ${route.webhook}`);
          const entry = journal.find((e) => e.type === route.webhook)!;
          assert.equal(entry.chatId, route.chat?.(samples[event]), `${event}'s chat`);
        } else {
          assert.deepEqual(
            journal.filter((e) => e.type !== 'account.state').map((e) => e.type),
            [],
            `${event} is not journalled`,
          );
        }
      }
      journal.length = 0;
      chat.fake!.emit('logout', samples.logout);
      await chat.bot.drain();
      await waitUntil(() => journal.some((e) => e.type === 'account.logout'), 5000, 'logout journalled');
      assert.ok(emitted.some((e) => e.name === 'logout'));
    } finally {
      await chat.close();
    }
  });
});
