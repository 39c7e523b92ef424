import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Composer } from '../../src/pipeline/composer.js';
import { hostState } from '../../src/pipeline/context-host.js';
import { contextKit } from '../helpers/fake-bot-handle.js';

const setup = contextKit;

describe('composer.hears(trigger)', () => {
  it('matches strings exactly (trimmed) and RegExps, putting the match on ctx.match', async () => {
    const { ctx, texts } = setup();
    const c = new Composer();
    c.hears('ping', (x) => x.reply('pong'));
    c.hears(/^weather (\w+)$/, (x) => x.reply(`sunny in ${(x.match as RegExpMatchArray)[1]}`));
    const run = c.middleware();
    for (const t of [' ping ', 'pingpong', 'weather Paris', 'weather']) await run(ctx({ text: t }), async () => {});
    assert.deepEqual(texts(), ['pong', 'sunny in Paris']);
  });
  it('ignores non-text messages', async () => {
    const { ctx, texts } = setup();
    const c = new Composer();
    c.hears('ping', (x) => x.reply('pong'));
    await c.middleware()(ctx({ type: 'image', text: 'ping' }), async () => {});
    assert.deepEqual(texts(), []);
  });
});

describe('composer.command(name)', () => {
  it('matches /name with arguments on ctx.match, case-insensitively', async () => {
    const { ctx, texts } = setup();
    const c = new Composer();
    c.command('echo', (x) => x.reply(`[${String(x.match)}]`));
    for (const t of ['/echo hi there', '/ECHO', '/echoes x', 'echo x']) await c.middleware()(ctx({ text: t }), async () => {});
    assert.deepEqual(texts(), ['[hi there]', '[]']);
  });
});

describe('composer.private() / group(id) / mention() / on(type) / filter()', () => {
  it('routes by chat kind, group id or topic, mention and type', async () => {
    const { ctx, texts } = setup();
    const c = new Composer();
    c.private((x) => x.reply('private'));
    c.group('Family', (x) => x.reply('family'));
    c.group(undefined, (x) => x.reply('any group'));
    const run = c.middleware();
    await run(ctx({}), async () => {});
    await run(ctx({ chatId: '@@g', roomId: '@@g' }), async () => {});
    await run(ctx({ chatId: '@@other', roomId: '@@other' }), async () => {});
    assert.deepEqual(texts(), ['private', 'family', 'any group']);

    const { ctx: ctx2, texts: texts2 } = setup();
    const d = new Composer();
    d.mention((x) => x.reply('mentioned'));
    d.on(['image', 'video'], (x) => x.reply('media'));
    d.filter(
      (x) => x.text.length > 5,
      (x) => x.reply('long'),
    );
    const run2 = d.middleware();
    await run2(ctx2({ chatId: '@@g', roomId: '@@g', mentionsSelf: true }), async () => {});
    await run2(ctx2({ type: 'video' }), async () => {});
    await run2(ctx2({ text: 'a long text' }), async () => {});
    await run2(ctx2({ text: 'short' }), async () => {});
    assert.deepEqual(texts2(), ['mentioned', 'media', 'long']);
  });

  it('passes on to next when the predicate does not hold, and branches can chain', async () => {
    const { ctx } = setup();
    const seen: string[] = [];
    const c = new Composer();
    c.filter((x) => x.text === 'a').use(async (_x, next) => {
      seen.push('branch');
      await next();
    });
    c.use(() => void seen.push('after'));
    await c.middleware()(ctx({ text: 'a' }), async () => {});
    await c.middleware()(ctx({ text: 'b' }), async () => {});
    assert.deepEqual(seen, ['branch', 'after', 'after']);
  });
});

describe('composer.fork(mw)', () => {
  it('runs work in the background, goes on at once, and reports its failure', async () => {
    const { ctx } = setup();
    const order: string[] = [];
    const errors: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = new Composer();
    c.fork(async () => {
      await gate;
      order.push('forked');
      throw new Error('late failure');
    });
    c.use(() => void order.push('next'));
    const x = ctx({});
    hostState(x).errorSink = (e) => errors.push(e);
    await c.middleware()(x, async () => {});
    assert.deepEqual(order, ['next']);
    release();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['next', 'forked']);
    assert.equal((errors[0] as Error).message, 'late failure');
  });
});
