import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { plugin } from '../../../plugins/admin-commands/index.js';
import { definePlugin } from '../../../src/plugin.js';
import { ann, bob, family, self, startPlugin, type Harness } from '../harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const echo = definePlugin({
  name: 'echo-test',
  description: 'echoes',
  config: z.object({}),
  setup: (api) => api.use((ctx) => ctx.reply(`echo ${ctx.text}`)),
});
const start = (config: unknown) => startPlugin(plugin, config, { also: [{ def: echo, config: {} }] }).then((x) => (h = x));

describe('plugin admin-commands', () => {
  it('answers only owners (by remark, stable id or name); others pass through', async () => {
    const hh = await start({ owners: ['Boss'] });
    await hh.say(ann, '#help');
    assert.deepEqual(hh.take(), ['echo #help'], 'not an owner: the command is just a message');
    await hh.say(bob, '#help');
    assert.match(hh.take()[0] ?? '', /^#help: this list\n#status/);
    await hh.host.configure('admin-commands', { owners: ['wxid_ann'] });
    await hh.say(ann, '#help');
    assert.equal(hh.take().length, 1);
  });

  it('reports status and plugins', async () => {
    const hh = await start({ owners: ['Bob'] });
    await hh.say(bob, '#status');
    assert.deepEqual(hh.take(), ['Account: Bot (online)\nOnline for 1 h 0 min\nContacts: 4, rooms: 3\nPlugins on: admin-commands, echo-test\nAnswering: yes']);
    await hh.say(bob, '#plugins');
    assert.deepEqual(hh.take(), ['on  admin-commands\non  echo-test']);
  });

  it('switches plugins off and on', async () => {
    const hh = await start({ owners: ['Bob'] });
    await hh.say(bob, '#disable echo-test');
    await hh.say(ann, 'hello');
    await hh.say(bob, '#disable nope');
    await hh.say(bob, '#disable admin-commands');
    await hh.say(bob, '#enable echo-test');
    await hh.say(ann, 'hello');
    assert.deepEqual(hh.take(), [
      'echo-test is off.',
      'No plugin named "nope". Try #plugins.',
      'I will not switch myself off; use the panel.',
      'echo-test is on.',
      'echo hello',
    ]);
    assert.equal((await hh.store.pluginSettings.list('acc1')).find((s) => s.plugin === 'echo-test')?.enabled, true);
  });

  it('pauses and resumes answering, and the pause survives a restart', async () => {
    const hh = await start({ owners: ['Bob'] });
    await hh.say(bob, '#pause');
    await hh.say(ann, 'anyone?');
    assert.deepEqual(hh.take(), ['Paused: I will not answer until #resume.']);
    const dataDir = hh.dataDir;
    await hh.host.close();
    hh.store.close();
    h = undefined;
    const again = await startPlugin(plugin, { owners: ['Bob'] }, { dataDir, also: [{ def: echo, config: {} }] });
    try {
      await again.say(ann, 'still there?');
      await again.say(bob, '#resume');
      await again.say(ann, 'now?');
      assert.deepEqual(again.take(), ['Resumed.', 'echo now?']);
    } finally {
      await again.close();
    }
  });

  it('takes commands typed by the account itself, and in groups only when allowed', async () => {
    const hh = await start({ owners: ['Bob'] });
    await hh.say(self, '#plugins', { isSelf: true });
    assert.equal(hh.take().length, 1, 'own command answered');
    await hh.say(self, 'just chatting', { isSelf: true });
    await hh.say(bob, '#help', { room: family });
    assert.deepEqual(hh.take(), ['echo #help']);
    await hh.host.configure('admin-commands', { owners: ['Bob'], inGroups: true });
    await hh.say(bob, '#resume', { room: family });
    assert.deepEqual(hh.take(), ['Resumed.']);
  });
});
