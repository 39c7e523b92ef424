import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plugin } from '../../../plugins/auto-reply/index.js';
import { definePlugin, z, type Contact } from '../../../src/plugin.js';
import { FakeClock } from '../../../src/util/clock.js';
import { createConversation, type Conversation, type ConversationOptions, type SayOptions } from '../../../src/testing/index.js';
import { ann, bob, family, work, WORLD } from '../world.js';

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

const monday10 = (): FakeClock => new FakeClock(Date.UTC(2024, 0, 1, 10, 0)); // Monday 10:00 UTC
const start = async (config: unknown, o: ConversationOptions = {}): Promise<Conversation> =>
  (chat = await createConversation({ plugins: [plugin], config: { 'auto-reply': config }, world: WORLD, clock: monday10(), ...o }));

/** Each line said in turn; the replies to all of them, in order. */
async function talk(c: Conversation, lines: [Contact, string, Omit<SayOptions, 'from'>?][]): Promise<string[]> {
  const out: string[] = [];
  for (const [from, text, o] of lines) out.push(...(await c.say(text, { from: from.id, ...o })).replies);
  return out;
}

const text = (t: string) => [{ text: t }];

describe('plugin auto-reply', () => {
  it('answers by the first matching rule, highest priority first, with templates', async () => {
    const c = await start({
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
    const got = await talk(c, [
      [ann, 'well hello'],
      [ann, 'Hello World'],
      [bob, 'order 42', { room: family.id }],
      [ann, 'nothing here'],
    ]);
    assert.deepEqual(got, ['hi Ann', 'exact wins', 'order 42 (42) noted at 10:00 in "Family"']);
  });

  it('respects scope: private, groups, chosen chats, mention only', async () => {
    const c = await start({
      rules: [
        { pattern: 'p', match: 'exact', scope: 'private', replies: text('private') },
        { pattern: 'g', match: 'exact', scope: 'groups', replies: text('group') },
        { pattern: 'c', match: 'exact', scope: 'chats', chats: ['Family'], replies: text('family only') },
        { pattern: 'm', match: 'exact', mentionOnly: true, replies: text('you called') },
      ],
    });
    const got = await talk(c, [
      [ann, 'p', { room: family.id }],
      [ann, 'p'],
      [ann, 'g'],
      [ann, 'g', { room: family.id }],
      [bob, 'c', { room: work.id }],
      [bob, 'c', { room: family.id }],
      [bob, 'm', { room: work.id }],
      [bob, 'm', { room: work.id, mention: true }],
    ]);
    assert.deepEqual(got, ['private', 'group', 'family only', 'you called']);
  });

  it('keeps a cooldown per chat and obeys time windows', async () => {
    const clock = monday10();
    const c = await start(
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
    const got = await talk(c, [
      [ann, 'ping'],
      [ann, 'ping'],
      [bob, 'ping'],
    ]);
    await clock.advance(61_000);
    got.push(
      ...(await talk(c, [
        [ann, 'ping'],
        [ann, 'open'],
      ])),
    );
    await clock.advance(8 * 3600_000); // 18:01
    got.push(...(await talk(c, [[ann, 'open']])));
    assert.deepEqual(got, ['pong', 'pong', 'pong', 'we are open', 'closed now']);
  });

  it('picks among several replies at random and honours probability', async () => {
    const c = await start({
      rules: [
        { pattern: 'never', replies: text('x'), probability: 0 },
        { pattern: 'dice', replies: [{ text: 'one' }, { text: 'two' }, { text: 'three' }] },
      ],
    });
    const got = await talk(
      c,
      Array.from({ length: 30 }, () => [ann, 'dice never'] as [Contact, string]),
    );
    assert.equal(got.length, 30);
    assert.ok(!got.includes('x'), 'probability 0 must never answer');
    assert.deepEqual(new Set(got), new Set(['one', 'two', 'three']));
  });

  it('sends image and file replies from the data folder and from data: URLs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weiroto-media-'));
    writeFileSync(join(dir, 'menu.pdf'), 'PDF');
    try {
      const c = await start({
        mediaDir: dir,
        rules: [
          { pattern: 'menu', replies: [{ type: 'file', source: 'menu.pdf' }] },
          {
            pattern: 'cat',
            replies: [{ type: 'image', source: 'data:image/png;base64,iVBORw0KGgo=', fileName: 'cat.png' }],
          },
        ],
      });
      assert.deepEqual(
        await talk(c, [
          [ann, 'menu'],
          [ann, 'cat'],
        ]),
        ['[file] menu.pdf', '[image] cat.png'],
      );
      const img = c.fake!.sent[1]!;
      assert.deepEqual([img.type, img.mimeType, img.size], ['image', 'image/png', 8]);
      await assert.rejects(
        c.configure('auto-reply', { mediaDir: dir, rules: [{ pattern: 'secret', replies: [{ type: 'file', source: '../etc/passwd' }] }] }),
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
      const c = (chat = await createConversation({
        plugins: [plugin, tail],
        config: { 'auto-reply': { passThrough, rules: [{ pattern: 'hi', replies: text('hello') }] }, tail: {} },
        world: WORLD,
      }));
      const got = await talk(c, [
        [ann, 'hi'],
        [ann, 'other'],
      ]);
      assert.deepEqual(got, passThrough ? ['hello', 'tail saw hi', 'tail saw other'] : ['hello', 'tail saw other']);
      await c.close();
      chat = undefined;
    }
  });

  it('rejects invalid rules through the host with clear messages', async () => {
    const c = await start({ rules: [] });
    await assert.rejects(
      c.configure('auto-reply', { rules: [{ pattern: '(', match: 'regex', replies: [{ text: 'x' }] }] }),
      /rules\.0\.pattern: invalid regular expression/,
    );
  });
});
