// A new friend (either side accepted) reaches the bot's typed events, the journal (webhook
// `friend.added`) and plugins listening with api.on('friend-added').
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { definePlugin } from '../../src/plugin.js';
import type { BotEvent } from '../../src/bot/index.js';
import { createConversation } from '../../src/testing/conversation.js';
import { waitUntil } from '../../src/testing/wait.js';

describe('bot friend-added', () => {
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
