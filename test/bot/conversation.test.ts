import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { Composer, definePlugin } from '../../src/plugin.js';
import { plugin as echo } from '../../plugins/echo/index.js';
import { createConversation, FAKE_ROOM, FAKE_WORLD, type Conversation } from '../../src/testing/conversation.js';

const ping = definePlugin({
  name: 'ping',
  description: 'ping → pong; /whoami; answers its own messages when told to',
  config: z.object({}),
  setup(api) {
    const c = new Composer();
    c.hears('ping', (ctx) => ctx.reply('pong'));
    c.command('whoami', (ctx) => ctx.reply(`${ctx.senderName}${ctx.isGroup ? ` in ${ctx.room?.topic}` : ''}`));
    c.mention((ctx) => ctx.reply(`you called, ${ctx.senderName}?`));
    api.use(c);
  },
});

const selfWatcher = definePlugin({
  name: 'self-watcher',
  description: 'counts own messages (opts in to self messages)',
  config: z.object({}),
  setup(api) {
    api.use(
      async (ctx, next) => {
        if (ctx.isSelf && ctx.text === 'note to self') await ctx.reply('noted');
        return next();
      },
      { self: true },
    );
  },
});

describe('conversation (fake transport): bot + pipeline + echo', () => {
  let chat: Conversation;
  before(async () => {
    chat = await createConversation({ plugins: [ping, echo, selfWatcher], enable: ['ping', 'echo'] });
  });
  after(() => chat.close());

  it('private chat: ping → pong (first plugin wins, echo is not reached)', async () => {
    const r = await chat.shouldReply('ping', 'pong');
    assert.deepEqual(
      r.trace.steps.map((s) => [s.plugin, s.outcome, s.skip, s.by]),
      [
        ['ping', 'replied', undefined, undefined],
        ['self-watcher', 'skipped', 'disabled', undefined],
        ['echo', 'skipped', 'not-reached', 'ping'],
      ],
    );
  });

  it('private chat: echo answers everything else with the same text', async () => {
    await chat.shouldReply('hello there', 'hello there');
    await chat.shouldReply('你好', '你好');
  });

  it('group chat: replies go into the room, named by topic', async () => {
    const r = await chat.inRoom(FAKE_ROOM.id, { from: FAKE_WORLD.bob.id }).shouldReply('/whoami', 'Boss in Family');
    assert.equal(r.trace.chatId, FAKE_ROOM.id);
  });

  it('group chat: an @-mention is routed to the mention handler', async () => {
    await chat.inRoom(FAKE_ROOM.id, { mention: true }).shouldReply('are you there', 'you called, Alice?');
  });

  it('own messages are ignored unless a plugin opts in', async () => {
    const r = await chat.shouldNotReply('ping', { self: true });
    assert.match(r.trace.reason ?? '', /own message/);
    await chat.enable('self-watcher');
    await chat.shouldReply('note to self', 'noted', { self: true });
    await chat.shouldNotReply('ping', { self: true });
    await chat.disable('self-watcher');
  });

  it('non-text messages get no echo, and the trace says why', async () => {
    const fake = chat.fake!;
    const handled = new Promise<string | undefined>((resolve) => {
      const off = chat.runtime.onHandled((t) => {
        off();
        resolve(t.reason);
      });
    });
    const before = fake.sent.length;
    fake.receive({ from: FAKE_WORLD.alice.id, text: '[Photo]', type: 'image' });
    assert.equal(await handled, 'no plugin matched');
    await chat.bot.queue.idle();
    assert.equal(fake.sent.length, before);
  });

  it('messages, traces and statistics are stored', async () => {
    await chat.runtime.idle();
    await new Promise((r) => setImmediate(r));
    const msgs = (await chat.store.messages.list(chat.bot.id, { text: 'hello there' })).items;
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0]!.senderId, FAKE_WORLD.alice.id);
    const traces = await chat.store.traces.list(chat.bot.id, { messageId: msgs[0]!.id });
    assert.equal(traces.length, 1);
    assert.equal(traces[0]!.replied, true);
    const day = new Date().toISOString().slice(0, 10);
    const [stats] = await chat.store.stats.range(chat.bot.id, day, day);
    assert.ok(stats, 'a stats row for today');
    // ping, hello there, 你好, /whoami, mention, [Photo] (own messages are not "received")
    assert.equal(stats.received, 6);
    // pong, hello there, 你好, Boss in Family, you called, noted
    assert.equal(stats.sent, 6);
    assert.equal(stats.replied, 6);
    assert.equal(stats.activeChats, 2);
    const out = await chat.store.outbound.list(chat.bot.id, { status: 'sent' });
    assert.ok(out.every((o) => o.wechatId && o.source?.startsWith('plugin:')));
  });
});
