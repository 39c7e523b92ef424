// Plugins known by a manifest (every built-in, with `lazy`, as the server runs) load their code when
// first needed: an account switches them on, or the panel and the API load them all. A plugin that
// stays off is listed by its manifest and keeps its stored settings (sealed secrets included) as
// they are, across saves of the others.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { builtinPluginDir } from '../../src/pipeline/plugin-registry.js';
import { manifestOf } from '../../src/pipeline/plugin.js';
import { packageRoot } from '../../src/util/paths.js';
import { createConversation } from '../../src/testing/conversation.js';

let dir: string;
const plugin = (name: string, manifest: string, index: string): void => {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, 'manifest.ts'), `export const manifest = ${manifest};\n`);
  writeFileSync(join(dir, name, 'index.ts'), index);
};

before(() => {
  // Inside the package, so that the plugins' own imports (zod) resolve.
  mkdirSync(join(packageRoot(), 'test-output'), { recursive: true });
  dir = mkdtempSync(join(packageRoot(), 'test-output', 'lazy-plugins-'));
  plugin(
    'loud',
    `{ name: 'loud', description: 'shouts', chainPosition: 10 }`,
    `import { z } from 'zod';
import { manifest } from './manifest.ts';
export const plugin = { ...manifest, config: z.object({}), setup(api) { api.use((ctx) => ctx.reply(ctx.text.toUpperCase())); } };\n`,
  );
  plugin(
    'keyed',
    `{ name: 'keyed', description: 'answers with its key', chainPosition: 5, testable: true }`,
    `import { z } from 'zod';
import { manifest } from './manifest.ts';
export const plugin = { ...manifest,
  config: z.object({ apiKey: z.string().default('').meta({ format: 'password', writeOnly: true }), tone: z.string().default('plain') }),
  probe: async () => 'ok',
  setup(api, config) { api.use(async (ctx, next) => { if (ctx.text === 'key?') await ctx.reply(config.apiKey + '/' + config.tone); else await next(); }); } };\n`,
  );
  plugin('broken', `{ name: 'broken', description: 'throws when loaded' }`, `throw new Error('broken on purpose');\n`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const lazyRegistry = () => PluginRegistry.load({ builtinDir: false, pluginDir: dir, lazy: true });

describe('PluginRegistry with lazy', () => {
  it('knows plugins by their manifests and imports each one on first use; a plugin that fails is a problem then', async () => {
    const reg = await lazyRegistry();
    assert.deepEqual(
      reg.manifests().map((m) => m.name),
      ['broken', 'keyed', 'loud'],
    );
    assert.equal(reg.list().length, 0, 'no code loaded');
    assert.equal(reg.get('keyed'), undefined);
    assert.ok(reg.has('keyed'));
    assert.equal(reg.problems.length, 0);

    const keyed = await reg.load('keyed');
    assert.equal(keyed?.name, 'keyed');
    assert.equal(reg.get('keyed'), keyed);
    assert.equal(await reg.load('keyed'), keyed, 'loaded once');
    assert.equal(await reg.load('nope'), undefined);

    await reg.loadAll();
    assert.deepEqual(
      reg.list().map((d) => d.name),
      ['keyed', 'loud'],
      'in the order found',
    );
    assert.equal(reg.problems.length, 1);
    assert.equal(reg.problems[0]!.name, 'broken');
    assert.match(reg.problems[0]!.error, /broken on purpose/);
    assert.ok(reg.has('broken'), 'still known: accounts keep its settings');
  });

  it('without lazy, imports every plugin at once (tests, embedding)', async () => {
    const reg = await PluginRegistry.load({ builtinDir: false, pluginDir: dir });
    assert.deepEqual(
      reg.list().map((d) => d.name),
      ['keyed', 'loud'],
    );
    assert.equal(reg.problems.length, 1);
  });

  it("every built-in's manifest is what its definition says (index.ts spreads it)", async () => {
    const lazy = await PluginRegistry.load({ builtinDir: builtinPluginDir(), lazy: true });
    const eager = await PluginRegistry.load({ builtinDir: builtinPluginDir() });
    assert.equal(lazy.list().length, 0);
    assert.deepEqual(
      lazy.manifests().map((m) => m.name),
      eager.list().map((d) => d.name),
    );
    for (const m of lazy.manifests()) assert.deepEqual(m, manifestOf(eager.get(m.name)!), m.name);
  });
});

describe('PluginHost on a lazy registry', () => {
  it('sets up what is switched on, lists the rest by manifest, loads a plugin switched on later, and keeps sealed settings of one never loaded', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'w-lazy-plugins-'));
    try {
      // 1. Both plugins configured and saved, keyed with a secret; then keyed is switched off.
      let chat = await createConversation({ dataDir, registry: await PluginRegistry.load({ builtinDir: false, pluginDir: dir }), enable: ['loud', 'keyed'] });
      await chat.plugins.configure('keyed', { apiKey: 'sk-secret', tone: 'warm' });
      await chat.shouldReply('key?', 'sk-secret/warm');
      await chat.plugins.disable('keyed');
      await chat.close();

      // 2. A restart on a lazy registry: only loud's code loads.
      let reg = await lazyRegistry();
      chat = await createConversation({ dataDir, registry: reg });
      assert.ok(reg.get('loud'));
      assert.equal(reg.get('keyed'), undefined, 'keyed is off: its code is not loaded');
      await chat.shouldReply('hello', 'HELLO');
      const keyed = chat.plugins.list().find((p) => p.name === 'keyed')!;
      assert.equal(keyed.enabled, false);
      assert.equal(keyed.description, 'answers with its key');
      assert.equal(keyed.testable, true);
      assert.deepEqual(keyed.config, { tone: 'warm' }, 'stored settings, the sealed key left out');
      // A save of the others (a reorder) writes keyed's setting back as stored.
      await chat.plugins.reorder(['keyed', 'loud']);
      assert.equal(reg.get('keyed'), undefined);
      const broken = chat.plugins.list().find((p) => p.name === 'broken')!;
      assert.equal(broken.enabled, false);
      await assert.rejects(chat.plugins.enable('broken'), /could not be loaded/);
      await chat.close();

      // 3. Another restart: switched on, keyed loads and has its key back.
      reg = await lazyRegistry();
      chat = await createConversation({ dataDir, registry: reg });
      assert.equal(reg.get('keyed'), undefined);
      await chat.plugins.enable('keyed');
      assert.ok(reg.get('keyed'));
      await chat.shouldReply('key?', 'sk-secret/warm');
      assert.deepEqual(chat.plugins.list().find((p) => p.name === 'keyed')!.config, { apiKey: 'sk-secret', tone: 'warm' });
      await chat.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
