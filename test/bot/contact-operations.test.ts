// api.contacts: what a plugin may do with contacts and rooms, through the real account (fake
// transport), capability-checked; and what it may not reach at all (the transport, the host's
// bookkeeping on the context).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { definePlugin, z, UnsupportedError, type PluginApi, type Context } from '../../src/plugin.js';
import { ILINK_CAPABILITIES } from '../../src/transport/capabilities.js';
import type { FriendRequest } from '../../src/transport/model.js';
import { createConversation, FAKE_ROOM } from '../../src/testing/index.js';
import { waitUntil } from '../../src/testing/wait.js';

const request: FriendRequest = { contactId: '@dan', name: 'Dan', greeting: 'hi', ticket: 't1', gender: 'unknown', receivedAt: 1 };

/** Accepts every friend request and invites the sender of "join" into the family room. */
function doorman(seen: { api?: PluginApi; ctx?: Context; failures: unknown[] }) {
  return definePlugin({
    name: 'doorman',
    description: 'accepts and invites',
    config: z.object({}),
    setup(api) {
      seen.api = api;
      api.on('friend-request', async (r) => {
        try {
          await api.contacts.acceptFriend(r);
        } catch (e) {
          seen.failures.push(e);
          throw e;
        }
      });
      api.use(async (ctx, next) => {
        seen.ctx = ctx;
        if (ctx.text !== 'join') return next();
        await api.contacts.addMembers(FAKE_ROOM.id, [ctx.message.senderId]);
        await ctx.reply('invited');
      });
    },
  });
}

describe('api.contacts', () => {
  it('accepts friend requests and adds room members on a web account', async () => {
    const seen: { api?: PluginApi; failures: unknown[] } = { failures: [] };
    const chat = await createConversation({ plugins: [doorman(seen)], enable: ['doorman'] });
    try {
      chat.fake!.emit('friend-request', request);
      await waitUntil(() => chat.fake!.calls.length > 0, 5000, 'the request accepted');
      assert.deepEqual(chat.fake!.calls, [{ method: 'acceptFriend', args: [request] }]);
      await chat.shouldReply('join', 'invited');
      assert.deepEqual(chat.fake!.calls[1], { method: 'addMembers', args: [FAKE_ROOM.id, ['@alice']] });
    } finally {
      await chat.close();
    }
  });

  it('rejects with UnsupportedError on an iLink account, and the transport is never called', async () => {
    const seen: { api?: PluginApi; failures: unknown[] } = { failures: [] };
    const chat = await createConversation({ plugins: [doorman(seen)], enable: ['doorman'], capabilities: ILINK_CAPABILITIES });
    try {
      chat.fake!.emit('friend-request', request);
      await waitUntil(() => seen.failures.length > 0, 5000, 'the refusal');
      const e = seen.failures[0];
      assert.ok(e instanceof UnsupportedError, String(e));
      assert.equal(e.capability, 'friend-requests');
      assert.match(e.message, /an iLink account has no friend requests/);
      await assert.rejects(
        seen.api!.contacts.addMembers(FAKE_ROOM.id, ['@alice']),
        (err: unknown) => err instanceof UnsupportedError && err.capability === 'rooms',
      );
      assert.deepEqual(chat.fake!.calls, []);
      await waitUntil(async () => (await chat.plugins.list()).some((p) => p.name === 'doorman' && p.errors > 0), 5000, 'the failure counted under the plugin');
    } finally {
      await chat.close();
    }
  });

  it('is all a plugin gets: api.bot and ctx.bot hold no transport, the context no host bookkeeping', async () => {
    const seen: { api?: PluginApi; ctx?: Context; failures: unknown[] } = { failures: [] };
    const chat = await createConversation({ plugins: [doorman(seen)], enable: ['doorman'] });
    try {
      await chat.say('hello');
      for (const handle of [seen.api!.bot, seen.ctx!.bot]) {
        assert.equal('transport' in handle, false);
        assert.equal('queue' in handle, false);
        assert.ok(Object.isFrozen(handle));
        assert.equal(handle.id, chat.bot.id);
        assert.equal(handle.status().state, 'online');
        assert.equal(handle.capabilities.kind, 'web');
      }
      const keys = Object.keys(seen.ctx!);
      for (const hidden of ['repliedBy', 'trace', 'errorSink', 'plugin']) assert.ok(!keys.includes(hidden), `ctx.${hidden} is hidden`);
    } finally {
      await chat.close();
    }
  });
});
