import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { plugin } from '../../../plugins/forward/index.js';
import { createConversation, type Conversation } from '../../../src/testing/index.js';
import { ann, bob, cat, family, work, WORLD } from '../world.js';

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});
const start = async (config: unknown): Promise<Conversation> =>
  (chat = await createConversation({ plugins: [plugin], config: { forward: config }, world: WORLD }));

const M = '\u2063';
/** Sent messages as `chat <- text`, marker shown as `~`, forwards as `[forward] <their text>`. */
const sentTo = (c: Conversation): string[] =>
  c.fake!.sent.map((s) => `${s.to} <- ${s.type === 'forward' ? '[forward] ' : ''}${(s.text ?? '').replaceAll(M, '~')}`);

describe('plugin forward', () => {
  it('relays one to many with a prefix naming room and sender', async () => {
    const c = await start({ routes: [{ from: ['Family'], to: ['Work', 'News'] }] });
    await c.say('dinner at 7', { from: ann.id, room: family.id });
    await c.say('not relayed', { from: bob.id, room: work.id });
    assert.deepEqual(sentTo(c), ['@@work <- ~[Family] Ann: dinner at 7', '@@news <- ~[Family] Ann: dinner at 7']);
  });

  it('relays many to one, and private chats by contact name', async () => {
    const c = await start({ routes: [{ from: ['Family', 'Work', 'Ann'], to: ['Cat'], prefix: '{sender} in {room}:' }] });
    await c.say('a', { from: ann.id, room: family.id });
    await c.say('b', { from: bob.id, room: work.id });
    await c.say('c', { from: ann.id });
    assert.deepEqual(sentTo(c), ['@cat <- ~Ann in Family: a', '@cat <- ~Boss in Work: b', '@cat <- ~Ann in Ann: c']);
  });

  it('many to many: each target once, never back to the source', async () => {
    const c = await start({
      routes: [
        { from: ['Family', 'Work'], to: ['Family', 'Work', 'News'], prefix: '' },
        { from: ['Family'], to: ['News'], prefix: '' },
      ],
    });
    await c.say('x', { from: ann.id, room: family.id });
    assert.deepEqual(sentTo(c), ['@@work <- ~x', '@@news <- ~x']);
  });

  it('filters by type, keyword and sender', async () => {
    const c = await start({
      routes: [
        { from: ['Family'], to: ['Work'], keywords: ['urgent'], prefix: '' },
        { from: ['Family'], to: ['News'], senders: ['Boss'], types: ['text'], prefix: '' },
      ],
    });
    await c.say('nothing special', { from: ann.id, room: family.id });
    await c.say('URGENT: call me', { from: ann.id, room: family.id });
    await c.say('from the boss', { from: bob.id, room: family.id });
    await c.say('[image]', { from: bob.id, room: family.id, type: 'image' });
    await c.say('[voice]', { from: ann.id, room: family.id, type: 'voice' });
    assert.deepEqual(sentTo(c), ['@@work <- ~URGENT: call me', '@@news <- ~from the boss']);
  });

  it('forwards images and files through WeChat, after a prefix line', async () => {
    const c = await start({ routes: [{ from: ['Family'], to: ['Cat'] }] });
    await c.say('[image]', { from: ann.id, room: family.id, type: 'image' });
    await c.say('report.pdf', { from: ann.id, room: family.id, type: 'file' });
    assert.deepEqual(sentTo(c), ['@cat <- ~[Family] Ann:', '@cat <- [forward] [image]', '@cat <- ~[Family] Ann:', '@cat <- [forward] report.pdf']);
  });

  it('prevents loops: relayed (marked) texts and own messages are never relayed', async () => {
    const c = await start({
      routes: [
        { from: ['Family'], to: ['Work'] },
        { from: ['Work'], to: ['Family'] },
      ],
    });
    await c.say('hello', { from: ann.id, room: family.id });
    assert.equal(sentTo(c).length, 1);
    const relayed = c.fake!.sent[0]!.text!;
    // Another bot account in Work echoes our relay back: it carries the marker, so it stops here.
    await c.say(relayed, { from: cat.id, room: work.id });
    await c.say('from the phone', { room: family.id, self: true });
    assert.equal(c.fake!.sent.length, 1);
  });

  it('warns and goes on when a target does not exist', async () => {
    const c = await start({ routes: [{ from: ['Family'], to: ['Nowhere', 'Work'], prefix: '' }] });
    await c.say('x', { from: ann.id, room: family.id });
    assert.deepEqual(sentTo(c), ['@@work <- ~x']);
  });
});
