import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plugin } from '../../../plugins/admin-commands/index.js';
import { definePlugin, z } from '../../../src/plugin.js';
import { FakeClock } from '../../../src/util/clock.js';
import { createConversation, type Conversation, type ConversationOptions } from '../../../src/testing/index.js';
import { ann, bob, family, WORLD } from '../world.js';

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

const echo = definePlugin({
  name: 'echo-test',
  description: 'echoes',
  config: z.object({}),
  setup: (api) => api.use((ctx) => ctx.reply(`echo ${ctx.text}`)),
});
const start = async (config: unknown, o: ConversationOptions = {}): Promise<Conversation> =>
  (chat = await createConversation({ plugins: [plugin, echo], config: { 'admin-commands': config, 'echo-test': {} }, world: WORLD, ...o }));

/** What `from` says, and the replies. */
const reply = async (c: Conversation, from: string, text: string, room?: string): Promise<string[]> =>
  (await c.say(text, { from, ...(room !== undefined && { room }) })).replies;

describe('plugin admin-commands', () => {
  it('answers only owners (by remark, stable id or name); others pass through', async () => {
    const c = await start({ owners: ['Boss'] });
    assert.deepEqual(await reply(c, ann.id, '#help'), ['echo #help'], 'not an owner: the command is just a message');
    assert.match((await reply(c, bob.id, '#help'))[0] ?? '', /^#help: this list\n#status/);
    await c.configure('admin-commands', { owners: ['wxid_ann'] });
    assert.equal((await reply(c, ann.id, '#help')).length, 1);
    assert.doesNotMatch((await reply(c, ann.id, '#help'))[0] ?? '', /^echo/);
  });

  it('reports status and plugins', async () => {
    const clock = new FakeClock(Date.UTC(2024, 0, 1, 9, 0));
    const c = await start({ owners: ['Bob'] }, { clock });
    await clock.advance(3600_000);
    assert.deepEqual(await reply(c, bob.id, '#status'), [
      'Account: Bot (online)\nOnline for 1 h 0 min\nContacts: 4, rooms: 3\nPlugins on: admin-commands, echo-test\nAnswering: yes',
    ]);
    assert.deepEqual(await reply(c, bob.id, '#plugins'), ['on  admin-commands\non  echo-test']);
  });

  it('switches plugins off and on', async () => {
    const c = await start({ owners: ['Bob'] });
    const got = [
      ...(await reply(c, bob.id, '#disable echo-test')),
      ...(await reply(c, ann.id, 'hello')),
      ...(await reply(c, bob.id, '#disable nope')),
      ...(await reply(c, bob.id, '#disable admin-commands')),
      ...(await reply(c, bob.id, '#enable echo-test')),
      ...(await reply(c, ann.id, 'hello')),
    ];
    assert.deepEqual(got, [
      'echo-test is off.',
      'No plugin named "nope". Try #plugins.',
      'I will not switch myself off; use the panel.',
      'echo-test is on.',
      'echo hello',
    ]);
    assert.equal((await c.store.pluginSettings.list(c.bot.id)).find((s) => s.plugin === 'echo-test')?.enabled, true);
  });

  it('pauses and resumes answering, and the pause survives a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'weiroto-admin-'));
    try {
      const c = await start({ owners: ['Bob'] }, { dataDir });
      assert.deepEqual(await reply(c, bob.id, '#pause'), ['Paused: I will not answer until #resume.']);
      assert.deepEqual(await reply(c, ann.id, 'anyone?'), []);
      await c.close();
      const again = await start({ owners: ['Bob'] }, { dataDir });
      const got = [...(await reply(again, ann.id, 'still there?')), ...(await reply(again, bob.id, '#resume')), ...(await reply(again, ann.id, 'now?'))];
      assert.deepEqual(got, ['Resumed.', 'echo now?']);
    } finally {
      await chat?.close();
      chat = undefined;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('takes commands typed by the account itself, and in groups only when allowed', async () => {
    const c = await start({ owners: ['Bob'] });
    assert.equal((await c.say('#plugins', { self: true })).replies.length, 1, 'own command answered');
    assert.deepEqual((await c.say('just chatting', { self: true })).replies, []);
    assert.deepEqual(await reply(c, bob.id, '#help', family.id), ['echo #help']);
    await c.configure('admin-commands', { owners: ['Bob'], inGroups: true });
    assert.deepEqual(await reply(c, bob.id, '#resume', family.id), ['Resumed.']);
  });
});
