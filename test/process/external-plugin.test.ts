// A plugin kept outside the repository, as its author has it: its own folder with a package.json, a
// TypeScript source importing `weiroto/plugin` by package name (compiled with tsc against the
// package's declared types), and its own conversation test importing `weiroto/testing`. The name
// `weiroto` resolves through `node_modules/weiroto` → this package (what `npm link weiroto` or a
// dependency install gives). A real `weiroto start` loads it through PLUGIN_DIR, together with an
// npm package named `weiroto-plugin-*` installed beside it, and both answer on the sandbox's phone.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { packageRoot } from '../../src/util/paths.js';
import { waitUntil } from '../../src/testing/wait.js';
import { storeEnv } from '../helpers/store.js';

const root = packageRoot();
const BIN = join(root, 'bin', 'weiroto.js');

const PLUGIN_TS = `import { Composer, definePlugin, z } from 'weiroto/plugin';

export const plugin = definePlugin({
  name: 'hello',
  description: 'Greets whoever says hello, from outside the repository.',
  config: z.object({ greeting: z.string().default('hello from outside') }),
  setup(api, config) {
    const bot = new Composer();
    bot.hears(/^hello(?: (\\w+))?$/i, (ctx) => ctx.reply(\`\${config.greeting}, \${ctx.match[1] ?? ctx.senderName}\`));
    api.use(bot);
  },
});
`;

const PLUGIN_TEST = `import { describe, it, before, after } from 'node:test';
import { createConversation } from 'weiroto/testing';
import { plugin } from './index.js';

describe('plugin hello', () => {
  let chat;
  before(async () => {
    chat = await createConversation({ plugins: [plugin], enable: ['hello'] });
  });
  after(() => chat.close());

  it('greets', async () => {
    await chat.shouldReply('hello', 'hello from outside, Alice');
    await chat.shouldReply('hello Bob', 'hello from outside, Bob');
  });

  it('stays quiet otherwise', async () => {
    await chat.shouldNotReply('goodbye');
  });

  it('uses its config', async () => {
    await chat.configure('hello', { greeting: 'hi' });
    await chat.shouldReply('hello', 'hi, Alice');
  });
});
`;

const NPM_PLUGIN_JS = `import { Composer, definePlugin, z } from 'weiroto/plugin';

export const plugin = definePlugin({
  name: 'shout',
  description: 'Shouts back /shout text (an npm package plugin).',
  config: z.object({}),
  setup(api) {
    const bot = new Composer();
    bot.command('shout', (ctx) => ctx.reply(ctx.match.toUpperCase()));
    api.use(bot);
  },
});
`;

describe('a plugin outside the repository (weiroto/plugin, PLUGIN_DIR, weiroto-plugin-*)', () => {
  let dir: string;
  let pluginFolder: string;
  let sandbox: RunningSandbox | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-outside-'));
    // The package by name, as `npm link weiroto` (or installing it) leaves it.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'weiroto'), 'dir');
    // A PLUGIN_DIR plugin with its own package.json, written in TypeScript.
    pluginFolder = join(dir, 'my-plugins', 'hello');
    mkdirSync(pluginFolder, { recursive: true });
    writeFileSync(join(pluginFolder, 'package.json'), JSON.stringify({ name: 'hello-plugin', private: true, type: 'module' }));
    writeFileSync(join(pluginFolder, 'index.ts'), PLUGIN_TS);
    writeFileSync(join(pluginFolder, 'hello.test.js'), PLUGIN_TEST);
    writeFileSync(
      join(pluginFolder, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, types: [] },
        files: ['index.ts'],
      }),
    );
    // An npm package named weiroto-plugin-*, installed in the project's node_modules.
    const npmPlugin = join(dir, 'node_modules', 'weiroto-plugin-shout');
    mkdirSync(join(npmPlugin, 'lib'), { recursive: true });
    writeFileSync(
      join(npmPlugin, 'package.json'),
      JSON.stringify({ name: 'weiroto-plugin-shout', version: '1.0.0', type: 'module', exports: { '.': { import: './lib/index.js' } } }),
    );
    writeFileSync(join(npmPlugin, 'lib', 'index.js'), NPM_PLUGIN_JS);
    // The package's compiled output and declarations (what `weiroto/plugin` points at); built when stale, as `weiroto` does.
    const built = spawnSync(process.execPath, [BIN, 'help'], { cwd: root, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
  });

  after(async () => {
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('compiles against the declared types of weiroto/plugin (ctx.match needs no `!`)', () => {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', pluginFolder], {
      cwd: pluginFolder,
      encoding: 'utf8',
    });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });

  it('passes its own conversation test with weiroto/testing', () => {
    const run = spawnSync(process.execPath, ['--test', 'hello.test.js'], {
      cwd: pluginFolder,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent' },
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /# pass 3\b/);
    assert.match(run.stdout, /# fail 0\b/);
  });

  it('loads through PLUGIN_DIR and from node_modules in a real `weiroto start`, and answers on the phone', async () => {
    sandbox = await startSandbox({ holdMs: 300, autoScanMs: 10, autoConfirmMs: 10 });
    const child = spawn(process.execPath, [BIN, 'start'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        PORT: '0',
        DATA_DIR: join(dir, 'data'),
        SEND_PACING: 'off',
        WECHAT_ENDPOINT: sandbox.origin,
        PLUGIN_DIR: join(dir, 'my-plugins'),
        BOT_PLUGINS: 'hello,shout',
        ...(await storeEnv(join(dir, 'data'))),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = once(child, 'exit');
    try {
      const sb = sandbox;
      await waitUntil(async () => (await sb.control.state()).accounts.some((a) => a.state === 'online'), 60_000, `the account online (output: ${out})`);
      // Online means logged in; the bot may still be loading the directory: say hello until it answers.
      const friend = (await sb.control.state()).accounts[0]!.friends[0]!.nickname;
      const { next } = await sb.control.sent();
      await sb.control.sendMessage({ from: friend, text: 'hello' });
      const hello = await sb.control.waitForSent((m) => m.text.startsWith('hello from outside'), { since: next, timeoutMs: 30_000 });
      assert.equal(hello.text, `hello from outside, ${friend}`);
      await sb.control.sendMessage({ from: friend, text: '/shout quiet please' });
      const shout = await sb.control.waitForSent((m) => m.text === 'QUIET PLEASE', { since: next, timeoutMs: 30_000 });
      assert.equal(shout.toName, friend);
      assert.doesNotMatch(out, /plugin not loaded/, out);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
