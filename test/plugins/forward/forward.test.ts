import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { plugin } from '../../../plugins/forward/index.js';
import { ann, bob, cat, family, startPlugin, work, type Harness } from '../harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
const M = '\u2063';
/** Sent messages as `chat <- text`, marker shown as `~`. */
const sentTo = (hh: Harness): string[] => hh.sent.map((s) => `${s.chatId} <- ${s.text.replaceAll(M, '~')}`);

describe('plugin forward', () => {
  it('relays one to many with a prefix naming room and sender', async () => {
    h = await startPlugin(plugin, { routes: [{ from: ['Family'], to: ['Work', 'News'] }] });
    await h.say(ann, 'dinner at 7', { room: family });
    await h.say(bob, 'not relayed', { room: work });
    assert.deepEqual(sentTo(h), ['@@work <- ~[Family] Ann: dinner at 7', '@@news <- ~[Family] Ann: dinner at 7']);
  });

  it('relays many to one, and private chats by contact name', async () => {
    h = await startPlugin(plugin, {
      routes: [{ from: ['Family', 'Work', 'Ann'], to: ['Cat'], prefix: '{sender} in {room}:' }],
    });
    await h.say(ann, 'a', { room: family });
    await h.say(bob, 'b', { room: work });
    await h.say(ann, 'c');
    assert.deepEqual(sentTo(h), ['@cat <- ~Ann in Family: a', '@cat <- ~Boss in Work: b', '@cat <- ~Ann in Ann: c']);
  });

  it('many to many: each target once, never back to the source', async () => {
    h = await startPlugin(plugin, {
      routes: [
        { from: ['Family', 'Work'], to: ['Family', 'Work', 'News'], prefix: '' },
        { from: ['Family'], to: ['News'], prefix: '' },
      ],
    });
    await h.say(ann, 'x', { room: family });
    assert.deepEqual(sentTo(h), ['@@work <- ~x', '@@news <- ~x']);
  });

  it('filters by type, keyword and sender', async () => {
    h = await startPlugin(plugin, {
      routes: [
        { from: ['Family'], to: ['Work'], keywords: ['urgent'], prefix: '' },
        { from: ['Family'], to: ['News'], senders: ['Boss'], types: ['text'], prefix: '' },
      ],
    });
    await h.say(ann, 'nothing special', { room: family });
    await h.say(ann, 'URGENT: call me', { room: family });
    await h.say(bob, 'from the boss', { room: family });
    await h.say(bob, '[image]', { room: family, type: 'image' });
    await h.say(ann, '[voice]', { room: family, type: 'voice' });
    assert.deepEqual(sentTo(h), ['@@work <- ~URGENT: call me', '@@news <- ~from the boss']);
  });

  it('forwards images and files through WeChat, after a prefix line', async () => {
    h = await startPlugin(plugin, { routes: [{ from: ['Family'], to: ['Cat'] }] });
    await h.say(ann, '[image]', { room: family, type: 'image' });
    await h.say(ann, 'report.pdf', { room: family, type: 'file' });
    assert.deepEqual(sentTo(h), ['@cat <- ~[Family] Ann:', '@cat <- [forward] [image]', '@cat <- ~[Family] Ann:', '@cat <- [forward] report.pdf']);
    const fwd = h.sent[1]!.content;
    assert.ok(fwd.type === 'forward' && fwd.message.type === 'image');
  });

  it('prevents loops: relayed (marked) texts and own messages are never relayed', async () => {
    h = await startPlugin(plugin, {
      routes: [
        { from: ['Family'], to: ['Work'] },
        { from: ['Work'], to: ['Family'] },
      ],
    });
    await h.say(ann, 'hello', { room: family });
    const relayed = h.sent[0]!.text;
    assert.equal(sentTo(h).length, 1);
    // Another bot account in Work echoes our relay back: it carries the marker, so it stops here.
    await h.say(cat, relayed, { room: work });
    await h.say(ann, 'from the phone', { room: family, isSelf: true });
    assert.equal(h.sent.length, 1);
  });

  it('warns and goes on when a target does not exist', async () => {
    h = await startPlugin(plugin, { routes: [{ from: ['Family'], to: ['Nowhere', 'Work'], prefix: '' }] });
    await h.say(ann, 'x', { room: family });
    assert.deepEqual(sentTo(h), ['@@work <- ~x']);
  });
});
