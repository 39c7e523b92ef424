// What the host hands plugins beyond their saved settings: host defaults for blank fields (how
// AI_BASE_URL reaches the ai plugin), DATA_DIR, and control over the account's other plugins.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { Composer, definePlugin } from '../../src/plugin.js';
import { createConversation } from '../../src/testing/conversation.js';

const probe = definePlugin({
  name: 'probe',
  description: 'answers with what the host gave it',
  config: z.object({ endpoint: z.string().default(''), model: z.string().default('') }),
  setup(api, config) {
    const c = new Composer();
    c.hears('config?', (ctx) => ctx.reply(`${config.endpoint}|${config.model}`));
    c.hears('dir?', (ctx) => ctx.reply(api.dataDir));
    c.hears('plugins?', (ctx) =>
      ctx.reply(
        api.plugins
          .list()
          .map((p) => `${p.name}:${p.enabled ? 'on' : 'off'}`)
          .join(','),
      ),
    );
    c.hears('silence other', async (ctx) => {
      await api.plugins.disable('other');
      await ctx.reply('done');
    });
    api.use(c);
  },
});
const other = definePlugin({
  name: 'other',
  description: 'says hi',
  config: z.object({}),
  setup(api) {
    const c = new Composer();
    c.hears('hi', (ctx) => ctx.reply('hi from other'));
    api.use(c);
  },
});

describe('PluginHost host-provided values', () => {
  it('fills blank settings from host defaults, keeps values the operator set', async () => {
    const chat = await createConversation({
      plugins: [probe, other],
      enable: ['probe', 'other'],
      pluginConfigDefaults: { probe: { endpoint: 'http://env.example/v1', model: 'env-model' } },
    });
    try {
      await chat.shouldReply('config?', 'http://env.example/v1|env-model');
      await chat.plugins.configure('probe', { endpoint: 'http://saved.example/v1', model: '' });
      await chat.shouldReply('config?', 'http://saved.example/v1|env-model');
      const saved = chat.plugins.list().find((p) => p.name === 'probe')!.config as { model: string };
      assert.equal(saved.model, '', 'the stored settings stay as written; only setup sees the default');
    } finally {
      await chat.close();
    }
  });

  it('gives DATA_DIR and control over the account plugins', async () => {
    const chat = await createConversation({ plugins: [probe, other], enable: ['probe', 'other'] });
    try {
      const dir = await chat.shouldReply('dir?', /weiroto-chat-/);
      assert.ok(dir);
      await chat.shouldReply('plugins?', 'probe:on,other:on');
      await chat.shouldReply('hi', 'hi from other');
      await chat.shouldReply('silence other', 'done');
      await chat.shouldNotReply('hi');
    } finally {
      await chat.close();
    }
  });
});
