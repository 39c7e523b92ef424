import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PluginRegistry, ValidationError, type PluginDefinition } from '../../src/pipeline/index.js';
import { Composer, definePlugin } from '../../src/plugin.js';
import { ranSteps } from '../../src/pipeline/trace.js';
import { packageRoot } from '../../src/util/paths.js';
import { createConversation, type Conversation } from '../../src/testing/conversation.js';
import { waitUntil } from '../../src/testing/wait.js';
import { FakeClock } from '../../src/util/clock.js';

const thrower = definePlugin({
  name: 'thrower',
  description: 'throws synchronously on "boom"',
  config: z.object({}),
  setup(api) {
    api.use((ctx, next) => {
      if (ctx.text === 'boom') throw new Error('sync explosion');
      return next();
    });
  },
});

const rejecter = definePlugin({
  name: 'rejecter',
  description: 'rejects on "reject"',
  config: z.object({}),
  setup(api) {
    api.use(async (ctx, next) => {
      if (ctx.text === 'reject') {
        await Promise.resolve();
        throw new Error('async explosion');
      }
      await next();
    });
  },
});

/** How many messages the hanger is stuck on. */
let hung = 0;
const hanger = definePlugin({
  name: 'hanger',
  description: 'never answers on "hang"',
  config: z.object({}),
  setup(api) {
    api.use(async (ctx, next) => {
      if (ctx.text === 'hang') {
        hung++;
        await new Promise(() => {});
      }
      await next();
    });
  },
});

const forker = definePlugin({
  name: 'forker',
  description: 'fails in the background on "fork"',
  config: z.object({}),
  setup(api) {
    const c = new Composer();
    c.fork(async (ctx) => {
      if (ctx.text === 'fork') throw new Error('background explosion');
    });
    api.use(c);
  },
});

const greeter = definePlugin({
  name: 'greeter',
  description: 'greets with a configurable word',
  config: z.object({ word: z.string().min(2).default('hello'), times: z.number().int().min(1).max(3).default(1) }),
  setup(api, config) {
    const c = new Composer();
    c.hears(/^hi$/, (ctx) => ctx.reply(Array(config.times).fill(config.word).join(' ')));
    api.use(c);
  },
});

const echoLast: PluginDefinition = definePlugin({
  name: 'tail',
  description: 'answers whatever reaches the end of the chain',
  config: z.object({}),
  setup(api) {
    api.use((ctx) => ctx.reply(`tail:${ctx.text}`));
  },
});

describe('PluginHost: error boundaries', () => {
  let chat: Conversation;
  const errors: { plugin?: string; message: string }[] = [];
  // The 80 ms time-out runs on a clock only this test moves: a plugin that answers is never timed out because the
  // machine is slow, and the hanger is timed out when the test moves the clock past 80 ms, once it hangs.
  const clock = new FakeClock(Date.now());
  before(async () => {
    chat = await createConversation({
      plugins: [thrower, rejecter, hanger, forker, echoLast],
      enable: ['thrower', 'rejecter', 'hanger', 'forker', 'tail'],
      pluginTimeoutMs: 80,
      clock,
    });
    chat.bot.on('error', (e) => errors.push({ ...(e.plugin !== undefined && { plugin: e.plugin }), message: e.message }));
  });
  after(() => chat.close());

  for (const [text, plugin, kind] of [
    ['boom', 'thrower', 'threw'],
    ['reject', 'rejecter', 'rejected'],
    ['hang', 'hanger', 'timeout'],
  ] as const) {
    it(`a plugin that ${kind === 'timeout' ? 'hangs' : kind} is reported under its name and the rest still runs`, async () => {
      const replied = chat.shouldReply(text, `tail:${text}`);
      if (kind === 'timeout') {
        await waitUntil(() => hung === 1, 10_000, 'the hanger to hang');
        await clock.advance(100);
      }
      const r = await replied;
      const step = r.trace.steps.find((s) => s.plugin === plugin)!;
      assert.equal(step.outcome, kind === 'timeout' ? 'timeout' : 'failed');
      assert.equal(r.trace.steps.at(-1)!.plugin, 'tail');
      assert.equal(r.trace.steps.at(-1)!.outcome, 'replied');
      const rows = await chat.store.pluginErrors.list(chat.bot.id, { plugin });
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.kind, kind);
      assert.equal(rows[0]!.messageId, r.trace.messageId);
      assert.ok(errors.some((e) => e.plugin === plugin && e.message.includes(plugin)));
      const info = chat.plugins.list().find((p) => p.name === plugin)!;
      assert.equal(info.errors, 1);
    });
  }

  it('a failure in background work is reported under the plugin that forked it, with the message', async () => {
    const r = await chat.shouldReply('fork', 'tail:fork');
    await waitUntil(async () => (await chat.store.pluginErrors.list(chat.bot.id, { plugin: 'forker' })).length === 1, 10_000, 'the background failure');
    const [row] = await chat.store.pluginErrors.list(chat.bot.id, { plugin: 'forker' });
    assert.equal(row!.kind, 'rejected');
    assert.equal(row!.messageId, r.trace.messageId);
    assert.equal(row!.message, 'background explosion');
  });

  it('a normal message passes every plugin', async () => {
    const r = await chat.shouldReply('fine', 'tail:fine');
    assert.deepEqual(
      ranSteps(r.trace.steps).map((s) => s.outcome),
      ['ran', 'ran', 'ran', 'ran', 'replied'],
    );
  });
});

describe('PluginHost: the development warning for a next() without await', () => {
  let chat: Conversation;
  const warnings: string[] = [];
  const onWarning = (w: Error) => void (/missing await/.test(w.message) && warnings.push(w.message));
  /** Lets the slow tail answer: it waits, so a plugin that did not await it has settled before. */
  let release: (() => void) | undefined;
  const forgetful = definePlugin({
    name: 'forgetful',
    description: 'passes on without awaiting on "forget"',
    config: z.object({}),
    setup(api) {
      api.use(async (ctx, next) => {
        if (ctx.text === 'forget') void next();
        else await next();
      });
    },
  });
  const careful = definePlugin({
    name: 'careful',
    description: 'several middleware and a composer, every next() awaited but on "inner-forget"',
    config: z.object({}),
    setup(api) {
      api.use(async (ctx, next) => {
        ctx.state.seen = true;
        await next();
      });
      const c = new Composer();
      c.hears('never', (ctx) => ctx.reply('no'));
      c.use(async (_ctx, next) => {
        await new Promise<void>((r) => setImmediate(r));
        await next();
      });
      c.on('text').filter(
        (ctx) => ctx.text === 'inner-forget',
        async (_ctx, next) => void next(),
      );
      api.use(c);
    },
  });
  const slowTail = definePlugin({
    name: 'slow-tail',
    description: 'answers once released',
    config: z.object({}),
    setup(api) {
      api.use(async (ctx) => {
        await new Promise<void>((r) => (release = r));
        await ctx.reply(`tail:${ctx.text}`);
      });
    },
  });
  /** Say `text`, wait for the tail to hold it, let a warning (emitted on the next tick) arrive, then release the tail and await its reply. */
  async function sayThroughSlowTail(text: string): Promise<void> {
    const sent = chat.fake!.sent.length;
    release = undefined;
    const said = chat.say(text);
    await waitUntil(() => release !== undefined, 10_000, 'the tail to hold the message');
    await new Promise<void>((r) => setImmediate(r));
    release!();
    await said;
    await waitUntil(() => chat.fake!.sent.length > sent, 10_000, 'the tail’s reply');
    assert.equal(chat.fake!.sent.at(-1)!.text, `tail:${text}`);
  }
  before(async () => {
    process.on('warning', onWarning);
    chat = await createConversation({ plugins: [forgetful, careful, slowTail], enable: ['forgetful', 'careful', 'slow-tail'] });
  });
  after(async () => {
    process.off('warning', onWarning);
    await chat.close();
  });

  it('stays silent when every plugin awaits (the host’s own layers included)', async () => {
    await sayThroughSlowTail('fine');
    assert.deepEqual(warnings, []);
  });

  it('names the plugin whose middleware forgot to await next()', async () => {
    await sayThroughSlowTail('forget');
    assert.deepEqual(warnings, ['plugin forgetful finished before the rest of the chain — missing await on next()?']);
  });

  it('also when the forgotten await is in a composer’s branch', async () => {
    warnings.length = 0;
    await sayThroughSlowTail('inner-forget');
    assert.deepEqual(warnings, ['plugin careful finished before the rest of the chain — missing await on next()?']);
  });
});

describe('PluginHost: run-time settings', () => {
  let chat: Conversation;
  before(async () => {
    chat = await createConversation({ plugins: [greeter, echoLast], enable: ['greeter'] });
  });
  after(() => chat.close());

  it('starts with BOT_PLUGINS as defaults when the account saved nothing', async () => {
    assert.deepEqual(
      chat.plugins.list().map((p) => [p.name, p.enabled]),
      [
        ['greeter', true],
        ['tail', false],
      ],
    );
    assert.deepEqual(await chat.store.pluginSettings.list(chat.bot.id), []);
    await chat.shouldReply('hi', 'hello');
    await chat.shouldNotReply('other');
  });

  it('enables, reorders, reconfigures and disables without a restart', async () => {
    await chat.enable('tail');
    await chat.shouldReply('other', 'tail:other');
    await chat.shouldReply('hi', 'hello');
    await chat.plugins.reorder(['tail']);
    await chat.shouldReply('hi', 'tail:hi');
    await chat.plugins.reorder(['greeter', 'tail']);
    const cfg = await chat.configure('greeter', { word: 'hey', times: 2 });
    assert.deepEqual(cfg, { word: 'hey', times: 2 });
    await chat.shouldReply('hi', 'hey hey');
    await chat.disable('greeter');
    await chat.shouldReply('hi', 'tail:hi');
  });

  it('rejects an invalid config with the schema messages and keeps the old one', async () => {
    await assert.rejects(chat.configure('greeter', { word: 'x', times: 9 }), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.deepEqual(e.issues.map((i) => i.path).sort(), ['times', 'word']);
      return true;
    });
    assert.deepEqual(chat.plugins.list().find((p) => p.name === 'greeter')!.config, { word: 'hey', times: 2 });
  });

  it('stores settings; a disabled plugin keeps its config; a new host reads them back', async () => {
    const saved = await chat.store.pluginSettings.list(chat.bot.id);
    assert.deepEqual(
      saved.map((s) => [s.plugin, s.enabled, s.config]),
      [
        ['greeter', false, { word: 'hey', times: 2 }],
        ['tail', true, {}],
      ],
    );
    await chat.enable('greeter');
    await chat.shouldReply('hi', 'hey hey');
  });

  it('refuses unknown plugins', async () => {
    await assert.rejects(chat.enable('nope'), /No plugin named "nope"/);
  });
});

describe('PluginRegistry', () => {
  let dir: string;
  before(() => {
    mkdirSync(join(packageRoot(), 'test-output'), { recursive: true });
    dir = mkdtempSync(join(packageRoot(), 'test-output', 'plugins-'));
    mkdirSync(join(dir, 'shout'));
    writeFileSync(
      join(dir, 'shout', 'index.ts'),
      `import { z } from 'zod';
export const plugin = { name: 'shout', description: 'SHOUTS', config: z.object({ level: z.number().default(3) }),
  setup(api) { api.use((ctx) => ctx.reply(ctx.text.toUpperCase())); } };\n`,
    );
    mkdirSync(join(dir, 'broken'));
    writeFileSync(join(dir, 'broken', 'index.ts'), `export const nothing = 1;\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads built-in plugins and user plugins from PLUGIN_DIR, and reports the broken ones', async () => {
    const reg = await PluginRegistry.load({ pluginDir: dir });
    assert.ok(reg.get('echo'), 'built-in echo');
    assert.ok(reg.get('shout'), 'user plugin');
    assert.equal(reg.problems.length, 1);
    assert.match(reg.problems[0]!.path, /broken/);
    assert.match(reg.problems[0]!.error, /must export `plugin`/);
    assert.equal(reg.problems[0]!.name, 'broken');
    assert.equal(reg.problems[0]!.phrase.code, 'plugin.load.no-export');
  });

  it('jsonSchema(name) describes the config', () => {
    const reg = new PluginRegistry([greeter]);
    const schema = reg.jsonSchema('greeter') as { type: string; properties: Record<string, { type: string; default?: unknown; minimum?: number }> };
    assert.equal(schema.type, 'object');
    assert.equal(schema.properties.word!.type, 'string');
    assert.equal(schema.properties.word!.default, 'hello');
    assert.equal(schema.properties.times!.type, 'integer');
    assert.throws(() => reg.jsonSchema('nope'), /No plugin/);
  });

  it('refuses duplicate names', () => {
    assert.throws(() => new PluginRegistry([greeter, greeter]), /already registered/);
  });
});
