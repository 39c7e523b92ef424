// Context (src/pipeline/context.ts): getters read from the message and the directory; verbs go
// through the bot handle, addressed to the conversation and named after the running plugin.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostState } from '../../src/pipeline/context-host.js';
import { contextKit } from '../helpers/fake-bot-handle.js';

const setup = contextKit;

describe('context.reply(content)', () => {
  it('answers into the room for group messages and to the sender otherwise, naming the plugin', async () => {
    const { ctx, sends } = setup();
    const x = ctx({ chatId: '@@g', roomId: '@@g', senderId: '@alice' });
    hostState(x).plugin = 'demo';
    await x.reply('hi');
    await ctx({}).reply({ type: 'text', text: 'private' });
    assert.deepEqual(sends[0], { to: { id: '@@g' }, content: { type: 'text', text: 'hi' }, source: 'plugin:demo' });
    assert.deepEqual(sends[1]!.to, { id: '@alice' });
    assert.equal(x.replied, true);
    assert.equal(x.senderName, 'Alice');
    assert.equal(x.room?.topic, 'Family');
  });
  it('reply() without a conversation rejects with a clear message', async () => {
    const { ctx } = setup();
    await assert.rejects(ctx({ chatId: '' }).reply('x'), /reply\(\) needs a conversation/);
  });
});

describe('context getters', () => {
  it('senderName prefers the remark, then the group display name, then the nickname, then the message name', () => {
    const { ctx } = setup();
    assert.equal(ctx({ senderId: '@alice' }).senderName, 'Alice');
    assert.equal(ctx({ senderId: '@stranger', senderName: 'Sam' }).senderName, 'Sam');
    assert.equal(ctx({ senderId: '@nobody' }).senderName, '@nobody');
    const inRoom = ctx({ chatId: '@@g', roomId: '@@g', senderId: '@alice' });
    assert.equal(inRoom.isGroup, true);
    assert.equal(inRoom.room?.topic, 'Family');
    assert.equal(inRoom.sender?.id, '@alice');
  });
});

describe('context.reportError(error)', () => {
  it('hands background failures to the host under the plugin running when the work started', () => {
    const { ctx } = setup();
    const x = ctx({});
    const seen: [string, string | undefined][] = [];
    hostState(x).errorSink = (e, plugin) => seen.push([(e as Error).message, plugin]);
    hostState(x).plugin = 'ai';
    x.reportError(new Error('late'));
    x.reportError(new Error('named'), 'other');
    assert.deepEqual(seen, [
      ['late', 'ai'],
      ['named', 'other'],
    ]);
  });
});

describe('context.forward(to)', () => {
  it('forwards this message, as the running plugin', async () => {
    const { ctx, sends } = setup();
    const x = ctx({ id: '42', text: 'look' });
    hostState(x).plugin = 'forward';
    await x.forward({ room: 'Family' });
    assert.deepEqual(sends[0]!.to, { room: 'Family' });
    assert.equal(sends[0]!.content.type, 'forward');
    assert.equal(sends[0]!.source, 'plugin:forward');
  });
});
