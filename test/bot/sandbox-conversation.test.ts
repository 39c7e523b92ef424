/**
 * The real path: AccountManager → Bot → web-protocol client → sandbox (HTTP on 127.0.0.1), with
 * the built-in echo plugin and a ping plugin. Private and group chats, mentions, own messages.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { createWebTransport } from '../../src/protocol/index.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { Composer, definePlugin } from '../../src/plugin.js';
import { plugin as echo } from '../../plugins/echo/index.js';
import { createConversation, type Conversation } from '../../src/testing/conversation.js';
import type { BotEvent } from '../../src/bot/types.js';
import { FAST } from '../helpers/fast.js';

const ping = definePlugin({
  name: 'ping',
  description: 'ping → pong; answers mentions',
  config: z.object({}),
  setup(api) {
    const c = new Composer();
    c.hears('ping', (ctx) => ctx.reply('pong'));
    c.mention((ctx) => ctx.reply(`yes, ${ctx.senderName}?`));
    api.use(c);
  },
});

describe('conversation through the sandbox (real web protocol)', () => {
  let sb: RunningSandbox;
  let chat: Conversation;
  let friend: string;
  let roomTopic: string;
  let member: string;

  before(async () => {
    sb = await startSandbox({ holdMs: 300, autoScanMs: 10, autoConfirmMs: 10, contacts: 8, rooms: 2, roomSize: 4 });
    const st = await sb.control.state(true);
    const acc = st.accounts[0]!;
    friend = acc.friends.find((f) => f.kind === 'friend')!.nickname;
    const room = acc.rooms[0]!;
    roomTopic = room.topic;
    member = room.members.find((m) => m.id !== acc.id)!.nickname;
    chat = await createConversation({
      plugins: [ping, echo],
      enable: ['ping', 'echo'],
      from: friend,
      sandbox: {
        sandbox: sb,
        selfName: acc.nickname,
        createTransport: () => createWebTransport({ endpoint: sb.origin, ...FAST }),
      },
    });
  });
  after(async () => {
    await chat?.close();
    await sb?.close();
  });

  it('private chat: ping → pong, anything else echoed', async () => {
    await chat.shouldReply('ping', 'pong');
    await chat.shouldReply('echo me', 'echo me');
  });

  it('group chat: replies go into the room', async () => {
    const r = await chat.inRoom(roomTopic, { from: member }).shouldReply('hello group', 'hello group');
    assert.ok(r.trace.chatId.startsWith('@@'), r.trace.chatId);
  });

  it('group chat: an @-mention reaches the mention handler', async () => {
    await chat.inRoom(roomTopic, { from: member, mention: true }).shouldReply('are you there', `yes, ${member}?`);
  });

  it('events name their chat: a group by its topic, a person by name (received and sent)', async () => {
    const seen: BotEvent[] = [];
    const off = chat.manager.onEvent((e) => seen.push(e));
    try {
      await chat.inRoom(roomTopic, { from: member }).shouldReply('label me', 'label me');
      await chat.shouldReply('label me too', 'label me too');
    } finally {
      off();
    }
    const received = seen.filter((e) => e.type === 'message.received' && !(e.data as { isSelf: boolean }).isSelf);
    const group = received.find((e) => e.chatId?.startsWith('@@'));
    const person = received.find((e) => e.chatId && !e.chatId.startsWith('@@'));
    assert.equal(group?.chat?.name, roomTopic);
    assert.equal(person?.chat?.name, friend);
    const sent = seen.find((e) => e.type === 'message.sent' && e.chatId === group?.chatId);
    assert.equal(sent?.chat?.name, roomTopic);
  });

  it('own messages (sent from the phone) are ignored', async () => {
    const r = await chat.shouldNotReply('ping', { from: 'self' });
    assert.match(r.trace.reason ?? '', /own message/);
  });
});
