/**
 * "typing…" while plugins work on an answer: shown on a transport with the capability when the
 * answer takes a while, cleared after; never for an instant answer or on the web transport.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { AccountManager } from '../../src/accounts/account-manager.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { definePlugin } from '../../src/plugin.js';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { silentLogger } from '../../src/logger.js';
import { ILINK_CAPABILITIES, WEB_CAPABILITIES, type TransportCapabilities } from '../../src/transport/capabilities.js';
import { FakeTransport, contact } from '../../src/testing/fake-transport.js';
import { waitUntil } from '../../src/testing/wait.js';

const gates: (() => void)[] = [];
const slow = definePlugin({
  name: 'slow',
  description: 'answers "think" only when the test lets it (an AI stand-in), "quick" at once',
  config: z.object({}),
  setup(api) {
    api.use(async (ctx, next) => {
      if (ctx.text === 'think') {
        await new Promise<void>((r) => gates.push(r));
        await ctx.reply('thought');
      } else if (ctx.text === 'later') {
        // Answers beside the chain (as the AI plugin does): the chain returns at once.
        void ctx.working(new Promise<void>((r) => gates.push(r)).then(() => ctx.reply('answered later')));
      } else if (ctx.text === 'quick') await ctx.reply('done');
      else await next();
    });
  },
});

describe('typing indicator while plugins work', () => {
  let dir: string;
  let store: Store;
  let manager: AccountManager;
  afterEach(async () => {
    await manager.stopAll();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(capabilities: TransportCapabilities): Promise<FakeTransport> {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-typing-'));
    store = await openTestStore({ dataDir: dir });
    const fake = new FakeTransport({ contacts: [contact('owner@im.wechat', 'Owner')], capabilities });
    manager = new AccountManager({
      store,
      log: silentLogger(),
      createTransport: () => fake,
      pluginRegistry: new PluginRegistry([slow]),
      sendPacing: 'off',
      botPlugins: ['slow'],
      autoRelogin: false,
    });
    const bot = await manager.add('t');
    await waitUntil(() => bot.info().state === 'online', 10_000, 'online');
    return fake;
  }

  /** The owner writes `text`: typing shows while the plugin works, and clears once the answer is out. */
  async function typingWhileAnswering(fake: FakeTransport, text: string): Promise<void> {
    fake.receive({ from: 'owner@im.wechat', text });
    await waitUntil(() => fake.typing.has('owner@im.wechat'), 10_000, 'typing shown while the answer is worked on');
    gates.shift()!();
    await fake.waitForSends(1);
    await waitUntil(() => !fake.typing.has('owner@im.wechat'), 10_000, 'typing cleared');
    assert.deepEqual(
      fake.typingCalls.map((c) => c.on),
      [true, false],
    );
  }

  it('a slow answer shows typing, then clears it; an instant one shows nothing', async () => {
    const fake = await start(ILINK_CAPABILITIES);
    await typingWhileAnswering(fake, 'think');
    fake.receive({ from: 'owner@im.wechat', text: 'quick' });
    await fake.waitForSends(2);
    assert.equal(fake.typingCalls.length, 2, 'no typing for an instant answer');
  });

  it('an answer worked on after the chain returned (ctx.working, the AI plugin) keeps typing on until it is out', async () => {
    await typingWhileAnswering(await start(ILINK_CAPABILITIES), 'later');
  });

  it('the web transport (no typing capability) is never asked', async () => {
    const fake = await start(WEB_CAPABILITIES);
    fake.receive({ from: 'owner@im.wechat', text: 'think' });
    await waitUntil(() => gates.length === 1, 10_000, 'the plugin working');
    await new Promise((r) => setTimeout(r, 400));
    gates.shift()!();
    await fake.waitForSends(1);
    assert.equal(fake.typingCalls.length, 0);
  });
});
