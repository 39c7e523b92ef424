import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { plugin } from '../../../plugins/auto-reply/index.js';
import { definePlugin } from '../../../src/plugin.js';
import { FakeClock } from '../../../src/util/clock.js';
import { ann, bob, family, startPlugin, work, type Harness } from '../harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const text = (t: string) => [{ text: t }];

describe('plugin auto-reply', () => {
  it('answers by the first matching rule, highest priority first, with templates', async () => {
    h = await startPlugin(plugin, {
      timezone: 'UTC',
      rules: [
        { pattern: 'hello', replies: text('hi {sender}') },
        {
          match: 'regex',
          pattern: '^order (?<num>\\d+)$',
          replies: text('order {num} ({1}) noted at {time} in "{room}"'),
          priority: 1,
        },
        { match: 'exact', pattern: 'hello world', replies: text('exact wins'), priority: 9 },
      ],
    });
    await h.say(ann, 'well hello');
    await h.say(ann, 'Hello World');
    await h.say(bob, 'order 42', { room: family });
    await h.say(ann, 'nothing here');
    assert.deepEqual(h.take(), ['hi Ann', 'exact wins', 'order 42 (42) noted at 10:00 in "Family"']);
  });

  it('respects scope: private, groups, chosen chats, mention only', async () => {
    h = await startPlugin(plugin, {
      rules: [
        { pattern: 'p', match: 'exact', scope: 'private', replies: text('private') },
        { pattern: 'g', match: 'exact', scope: 'groups', replies: text('group') },
        { pattern: 'c', match: 'exact', scope: 'chats', chats: ['Family'], replies: text('family only') },
        { pattern: 'm', match: 'exact', mentionOnly: true, replies: text('you called') },
      ],
    });
    await h.say(ann, 'p', { room: family });
    await h.say(ann, 'p');
    await h.say(ann, 'g');
    await h.say(ann, 'g', { room: family });
    await h.say(bob, 'c', { room: work });
    await h.say(bob, 'c', { room: family });
    await h.say(bob, 'm', { room: work });
    await h.say(bob, 'm', { room: work, mention: true });
    assert.deepEqual(h.take(), ['private', 'group', 'family only', 'you called']);
  });

  it('keeps a cooldown per chat and obeys time windows', async () => {
    const clock = new FakeClock(Date.UTC(2024, 0, 1, 10, 0)); // Monday 10:00 UTC
    h = await startPlugin(
      plugin,
      {
        timezone: 'UTC',
        rules: [
          { pattern: 'ping', replies: text('pong'), cooldownSeconds: 60 },
          {
            pattern: 'open',
            replies: text('we are open'),
            windows: [{ from: '09:00', to: '17:00', days: [1, 2, 3, 4, 5] }],
          },
          { pattern: 'open', replies: text('closed now') },
        ],
      },
      { clock },
    );
    await h.say(ann, 'ping');
    await h.say(ann, 'ping');
    await h.say(bob, 'ping');
    await clock.advance(61_000);
    await h.say(ann, 'ping');
    await h.say(ann, 'open');
    await clock.advance(8 * 3600_000); // 18:01
    await h.say(ann, 'open');
    assert.deepEqual(h.take(), ['pong', 'pong', 'pong', 'we are open', 'closed now']);
  });

  it('picks among several replies at random and honours probability', async () => {
    h = await startPlugin(plugin, {
      rules: [
        { pattern: 'never', replies: text('x'), probability: 0 },
        { pattern: 'dice', replies: [{ text: 'one' }, { text: 'two' }, { text: 'three' }] },
      ],
    });
    for (let i = 0; i < 30; i++) await h.say(ann, 'dice never');
    const got = h.take();
    assert.equal(got.length, 30);
    assert.ok(!got.includes('x'), 'probability 0 must never answer');
    assert.deepEqual(new Set(got), new Set(['one', 'two', 'three']));
  });

  it('sends image and file replies from the data folder and from data: URLs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weiroto-media-'));
    writeFileSync(join(dir, 'menu.pdf'), 'PDF');
    try {
      h = await startPlugin(plugin, {
        mediaDir: dir,
        rules: [
          { pattern: 'menu', replies: [{ type: 'file', source: 'menu.pdf' }] },
          {
            pattern: 'cat',
            replies: [{ type: 'image', source: 'data:image/png;base64,iVBORw0KGgo=', fileName: 'cat.png' }],
          },
        ],
      });
      await h.say(ann, 'menu');
      await h.say(ann, 'cat');
      assert.deepEqual(h.take(), ['[file] menu.pdf', '[image] cat.png']);
      const img = h.sent[1]!.content;
      assert.ok(img.type === 'image' && img.file.mimeType === 'image/png' && img.file.data.length === 8);
      await assert.rejects(
        h.host.configure('auto-reply', { mediaDir: dir, rules: [{ pattern: 'secret', replies: [{ type: 'file', source: '../etc/passwd' }] }] }),
        /rules\.0\.replies\.0\.source: "\.\.\/etc\/passwd" leads out of the media folder/,
        'a path outside the media folder is refused at save',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops the chain after answering unless passThrough is on', async () => {
    const tail = definePlugin({
      name: 'tail',
      description: 'records what reaches it',
      config: z.object({}),
      setup: (api) => api.use((ctx) => ctx.reply(`tail saw ${ctx.text}`)),
    });
    for (const passThrough of [false, true]) {
      h = await startPlugin(plugin, { passThrough, rules: [{ pattern: 'hi', replies: text('hello') }] }, { also: [{ def: tail, config: {} }] });
      await h.say(ann, 'hi');
      await h.say(ann, 'other');
      assert.deepEqual(h.take(), passThrough ? ['hello', 'tail saw hi', 'tail saw other'] : ['hello', 'tail saw other']);
      await h.close();
      h = undefined;
    }
  });

  it('rejects invalid rules through the host with clear messages', async () => {
    h = await startPlugin(plugin, { rules: [] });
    await assert.rejects(
      h.host.configure('auto-reply', { rules: [{ pattern: '(', match: 'regex', replies: [{ text: 'x' }] }] }),
      /rules\.0\.pattern: invalid regular expression/,
    );
  });
});
