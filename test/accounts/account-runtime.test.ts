/**
 * AccountRuntime (src/accounts/account-runtime.ts): chats side by side, each in order (its chat
 * lanes), through a real account: a plugin that takes 10 s in chat A leaves chat B's reply at normal
 * latency, and A's next message waits for A's first; every handled message leaves its trace.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createConversation, FAKE_ROOM, FAKE_WORLD, type Conversation } from '../../src/testing/conversation.js';
import { Composer, definePlugin, z } from '../../src/plugin.js';

let release: () => void = () => {};
const slowPlugin = definePlugin({
  name: 'slow-in-a',
  description: 'answers "slow" after 10 s (or when the test releases it), everything else at once',
  config: z.object({}),
  setup(api) {
    const c = new Composer();
    c.hears('slow', async (ctx) => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        release = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      await ctx.reply('done');
    });
    c.on('text', (ctx) => ctx.reply(`fast: ${ctx.text}`));
    api.use(c);
  },
});

describe('AccountRuntime: chats side by side, each in order', () => {
  let chat: Conversation;
  before(async () => {
    chat = await createConversation({ plugins: [slowPlugin], enable: ['slow-in-a'], pluginTimeoutMs: 15_000 });
  });
  after(() => chat.close());

  it('a 10-s plugin in chat A leaves chat B at normal latency; A keeps its order', async () => {
    const slow = chat.say('slow'); // chat A: Alice, private
    const second = chat.say('second'); // also chat A: must wait for "slow"
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await chat.inRoom(FAKE_ROOM.id, { from: FAKE_WORLD.bob.id }).shouldReply('hi', 'fast: hi'); // chat B
    // In one lane B would wait behind A's plugin, which answers only when released below (or after its 10 s).
    assert.ok(!chat.fake!.sent.some((m) => m.text === 'done'), 'chat B answered while chat A was still busy');
    assert.equal(secondDone, false, "A's second message waits for A's first");
    release();
    await Promise.all([slow, second]);
    assert.deepEqual(
      chat.fake!.sent.filter((m) => m.to === FAKE_WORLD.alice.id).map((m) => m.text),
      ['done', 'fast: second'],
      'chat A answered in arrival order',
    );
  });
});

describe('AccountRuntime.onHandled / idle', () => {
  it('stores the decision trace of every handled message, own messages included', async () => {
    const chat = await createConversation({ plugins: [slowPlugin], enable: ['slow-in-a'] });
    try {
      const handled: string[] = [];
      chat.runtime.onHandled((t) => handled.push(t.messageId));
      const r = await chat.say('quick');
      const own = await chat.say('from my phone', { self: true });
      await chat.runtime.idle();
      assert.deepEqual(handled, [r.trace.messageId, own.trace.messageId]);
      assert.equal(own.trace.reason, 'own message: no plugin asked for self messages');
      const stored = await chat.store.traces.list(chat.bot.id, { limit: 10 });
      assert.ok(stored.some((t) => t.messageId === r.trace.messageId && t.replied));
    } finally {
      await chat.close();
    }
  });
});

describe("AccountRuntime: WeChat's echo of the account's own send", () => {
  const selfReader = definePlugin({
    name: 'self-reader',
    description: 'reads own messages and answers nothing',
    config: z.object({}),
    setup(api) {
      api.use(async (_ctx, next) => next(), { self: true });
    },
  });

  /** Say "quick", then let WeChat echo the reply back with the id the send got, and a phone message after it. */
  async function echoOfReply(chat: Conversation): Promise<{ handled: string[]; echoId: string; phoneId: string }> {
    const handled: string[] = [];
    chat.runtime.onHandled((t) => handled.push(t.messageId));
    await chat.say('quick');
    const reply = chat.fake!.sent.at(-1)!;
    assert.equal(reply.text, 'fast: quick');
    const alice = FAKE_WORLD.alice.id;
    chat.fake!.receive({ from: alice, to: alice, isSelf: true, id: reply.id, text: reply.text! });
    const phone = chat.fake!.receive({ from: alice, to: alice, isSelf: true, text: 'typed on the phone' });
    await chat.runtime.idle();
    return { handled, echoId: reply.id, phoneId: phone.id };
  }

  it('is stored but leaves no trace when no plugin reads own messages; a phone message still does', async () => {
    const chat = await createConversation({ plugins: [slowPlugin], enable: ['slow-in-a'] });
    try {
      const { handled, echoId, phoneId } = await echoOfReply(chat);
      assert.ok(!handled.includes(echoId), 'the echo went through the pipeline');
      assert.ok(handled.includes(phoneId), 'a message written on the phone is handled as before');
      const traces = await chat.store.traces.list(chat.bot.id, { limit: 20 });
      assert.ok(!traces.some((t) => t.messageId === echoId), 'the echo has a trace');
      assert.equal(traces.find((t) => t.messageId === phoneId)?.reason, 'own message: no plugin asked for self messages');
      const row = await chat.store.messages.get(chat.bot.id, echoId);
      assert.equal(row?.isSelf, true, 'the echo is stored as an own message');
    } finally {
      await chat.close();
    }
  });

  it('still goes through the pipeline (and leaves its trace) when a plugin reads own messages', async () => {
    const chat = await createConversation({ plugins: [slowPlugin, selfReader], enable: ['slow-in-a', 'self-reader'] });
    try {
      const { handled, echoId } = await echoOfReply(chat);
      assert.ok(handled.includes(echoId), 'a plugin that reads own messages did not get the echo');
    } finally {
      await chat.close();
    }
  });
});
