/**
 * Chats run side by side, each in order (src/accounts/chat-lanes.ts, through the account runtime):
 * a plugin that takes 10 s in chat A leaves chat B's reply at normal latency, and A's next message
 * waits for A's first.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { createConversation, FAKE_ROOM, FAKE_WORLD, type Conversation } from '../../src/testing/conversation.js';
import { Composer, definePlugin } from '../../src/plugin.js';
import { ChatLanes } from '../../src/accounts/chat-lanes.js';

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

describe('account runtime: chats side by side, each in order', () => {
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
    const t0 = Date.now();
    await chat.inRoom(FAKE_ROOM.id, { from: FAKE_WORLD.bob.id }).shouldReply('hi', 'fast: hi'); // chat B
    const latency = Date.now() - t0;
    assert.ok(latency < 2_000, `chat B answered in ${latency} ms while chat A was busy`);
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

describe('ChatLanes(limit)', () => {
  it('runs at most `limit` chats at once and starts waiting chats in the order they became ready', async () => {
    const lanes = new ChatLanes(2);
    const started: string[] = [];
    const gates = new Map<string, () => void>();
    const task = (name: string) => () =>
      new Promise<void>((resolve) => {
        started.push(name);
        gates.set(name, resolve);
      });
    lanes.push('a', task('a1'));
    lanes.push('b', task('b1'));
    lanes.push('c', task('c1'));
    lanes.push('a', task('a2'));
    assert.deepEqual(started, ['a1', 'b1']);
    assert.equal(lanes.active, 2);
    gates.get('b1')!();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a1', 'b1', 'c1'], 'c took the free slot; a2 still waits behind a1');
    gates.get('a1')!();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a1', 'b1', 'c1', 'a2']);
    gates.get('a2')!();
    gates.get('c1')!();
    await lanes.idle();
    assert.equal(lanes.active, 0);
  });

  it('refuses a limit that is not a positive integer', () => {
    assert.throws(() => new ChatLanes(0), /positive integer/);
  });
});
