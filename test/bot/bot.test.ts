// Bot (src/bot/bot.ts): what it receives is stored, then announced; what it sends is checked
// against the account's capabilities and directory before it is queued; a new friend reaches its
// typed events, the journal (webhook `friend.added`) and plugins listening with api.on('friend-added').
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { definePlugin } from '../../src/plugin.js';
import { TargetNotFoundError, type BotEvent } from '../../src/bot/index.js';
import { ILINK_CAPABILITIES, UnsupportedError } from '../../src/transport/capabilities.js';
import { FAKE_ROOM } from '../../src/testing/index.js';
import { createConversation } from '../../src/testing/conversation.js';
import { waitUntil } from '../../src/testing/wait.js';

describe('bot events', () => {
  it('is emitted, journalled as friend.added and handed to plugins', async () => {
    const greeted: string[] = [];
    const welcome = definePlugin({
      name: 'welcome-new-friends',
      description: 'greets new friends',
      config: z.object({}),
      setup(api) {
        api.on('friend-added', (f) => {
          greeted.push(f.name);
        });
      },
    });
    const chat = await createConversation({ plugins: [welcome], enable: ['welcome-new-friends'] });
    try {
      const seen: string[] = [];
      const journal: BotEvent[] = [];
      chat.bot.on('friend-added', (f) => seen.push(f.name));
      chat.manager.onEvent((e) => journal.push(e));
      chat.fake!.emit('friend-added', { contactId: '@carol', name: 'Carol', at: 1 });
      await waitUntil(() => greeted.length > 0 && journal.some((e) => e.type === 'friend.added'), 5000, 'the greeting and the journal entry');
      assert.deepEqual(seen, ['Carol']);
      assert.deepEqual(greeted, ['Carol']);
      const event = journal.find((e) => e.type === 'friend.added');
      assert.ok(event, 'journalled');
      assert.equal(event.chatId, '@carol');
      assert.deepEqual(event.data, { contactId: '@carol', name: 'Carol', at: 1 });
    } finally {
      await chat.close();
    }
  });
});

describe("bot.on('message')", () => {
  it('announces a message only once it is stored', async () => {
    const chat = await createConversation({ plugins: [] });
    try {
      const storedWhenAnnounced: boolean[] = [];
      chat.bot.on('message', (m) => storedWhenAnnounced.push(chat.store.messages.get(chat.bot.id, m.id) !== undefined));
      chat.fake!.receive({ from: '@alice', text: 'one' });
      chat.fake!.receive({ from: '@bob', text: 'two' });
      await chat.bot.drain();
      assert.deepEqual(storedWhenAnnounced, [true, true]);
    } finally {
      await chat.close();
    }
  });
});

describe('bot.send(to, content)', () => {
  it('refuses what the account cannot do, and unknown names, before anything is queued', async () => {
    const chat = await createConversation({ plugins: [], capabilities: ILINK_CAPABILITIES });
    try {
      await assert.rejects(
        chat.bot.send({ id: FAKE_ROOM.id }, { type: 'text', text: 'hi all' }),
        (e: unknown) => e instanceof UnsupportedError && e.capability === 'rooms',
      );
      await assert.rejects(chat.bot.send({ name: 'Nobody' }, { type: 'text', text: 'hi' }), TargetNotFoundError);
      assert.deepEqual(await chat.store.outbound.list(chat.bot.id, { limit: 10 }), []);
      const rec = await chat.bot.send({ name: 'Alice' }, { type: 'text', text: 'hi' });
      assert.equal(rec.status, 'queued');
      assert.equal((await chat.bot.waitFor(rec.id, 5000)).status, 'sent');
    } finally {
      await chat.close();
    }
  });
});
