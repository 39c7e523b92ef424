/**
 * Plugins that do not run, as a user meets them, through the server `weiroto start` builds with a
 * PLUGIN_DIR holding a good plugin and three bad ones (an import that fails, no `plugin` export, a
 * setup that throws): the good one still answers on WeChat (the sandbox); the API's plugin lists
 * say which failed and why; the panel's plugins page (real Chromium, English and Chinese, 1366 and
 * 390 px) marks the one whose setup failed and lists the ones not loaded, and screenshots of it go
 * to test-output/screenshots/plugins-not-running-<lang>-<width>.png (TEST_SCREENSHOTS=1).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startOnlineAccount, type OnlineAccount } from './helpers/panel-stack.js';
import { packageRoot } from '../../src/util/paths.js';
import { atBothWidths, DESKTOP, pageWidth } from './helpers/two-widths.js';
import { screenshot } from '../helpers/screenshot.js';

const SHOTS = join('test-output', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'];
const TOKEN = 'plugins-not-running-token-0123456789';
const PASSWORD = 'plugins not running 1';

/** A PLUGIN_DIR: `shout` works, the others do not. */
function pluginDir(): string {
  mkdirSync(join(packageRoot(), 'test-output'), { recursive: true });
  const dir = mkdtempSync(join(packageRoot(), 'test-output', 'plugins-not-running-'));
  const put = (name: string, source: string): void => {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'index.ts'), source);
  };
  put(
    'shout',
    `import { z } from 'zod';
export const plugin = { name: 'shout', description: 'SHOUTS', config: z.object({}), setup(api) { api.use((ctx) => ctx.reply(ctx.text.toUpperCase())); } };\n`,
  );
  put(
    'needs-key',
    `import { z } from 'zod';
export const plugin = { name: 'needs-key', description: 'needs a key file', config: z.object({}),
  setup() { throw new Error('the key file /srv/weiroto/needs-key.pem is missing'); } };\n`,
  );
  put('broken-import', `import './helper-that-is-not-there.js';\nexport const plugin = {};\n`);
  put('no-export', `export const nothing = 1;\n`);
  return dir;
}

describe('plugins that do not run: the API and the panel say so, the others still answer', () => {
  let dir: string;
  let online: OnlineAccount;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
  async function api(path: string): Promise<any> {
    const res = await fetch(`${online.stack.url}/api/v1${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    return res.json();
  }

  before(async () => {
    dir = pluginDir();
    online = await startOnlineAccount(PASSWORD, { PLUGIN_DIR: dir, BOT_PLUGINS: 'needs-key,shout', API_TOKEN: TOKEN });
  });
  after(async () => {
    await online?.stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the plugin that loaded and set up answers on WeChat', async () => {
    const { stack, friend } = online;
    const since = (await stack.sb.control.sent({})).next;
    await stack.sb.control.sendMessage({ from: friend, text: 'are you there' });
    const reply = await stack.sb.control.waitForSent((m) => m.toName === friend, { since, timeoutMs: 15_000 });
    assert.equal(reply.text, 'ARE YOU THERE');
  });

  it('the API lists the setup failure on the plugin and the plugins not loaded beside the lists', async () => {
    const account = await api(`/accounts/${online.account}/plugins`);
    const needsKey = account.items.find((p: { name: string }) => p.name === 'needs-key');
    assert.equal(needsKey.enabled, true);
    assert.equal(needsKey.failed.error, 'the key file /srv/weiroto/needs-key.pem is missing');
    assert.equal(account.items.find((p: { name: string }) => p.name === 'shout').failed, undefined);
    for (const body of [account, await api('/plugins')]) {
      const byName = new Map<string, { path: string; error: string }>(body.notLoaded.map((n: { name: string; path: string; error: string }) => [n.name, n]));
      assert.deepEqual([...byName.keys()].sort(), ['broken-import', 'no-export']);
      assert.match(byName.get('broken-import')!.path, /broken-import[/\\]index\.ts$/);
      assert.match(byName.get('broken-import')!.error, /helper-that-is-not-there/);
      assert.match(byName.get('no-export')!.error, /must export `plugin`/);
    }
  });

  describe('the plugins page (Chromium)', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, () => {
    let browser: Browser;
    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    });
    after(async () => {
      await browser?.close();
    });

    const words = {
      en: {
        failed: 'failed to start',
        notLoaded: 'Plugins that could not be loaded',
        setup: /needs-key failed to set up: the key file/,
        export: /must export `plugin`/,
      },
      zh: { failed: '启动失败', notLoaded: '无法加载的插件', setup: /needs-key 初始化失败：the key file/, export: /必须导出 `plugin`/ },
    };
    for (const lang of ['en', 'zh'] as const) {
      it(`says it in ${lang === 'en' ? 'English' : 'Chinese'}, at 1366 and 390 px without scrolling sideways`, async () => {
        const context = await browser.newContext({ locale: lang === 'en' ? 'en-US' : 'zh-CN', viewport: DESKTOP });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${online.stack.url}/login`);
        await page.fill('input[name=username]', 'admin');
        await page.fill('input[name=password]', PASSWORD);
        await page.click('#login-submit');
        await page.waitForURL((u) => !u.pathname.startsWith('/login'));
        await page.goto(`${online.stack.url}/accounts/${encodeURIComponent(online.account)}/plugins`);
        const w = words[lang];
        const failedRow = page.locator('#plugins tr[data-plugin="needs-key"]');
        assert.equal((await failedRow.locator('[data-failed]').textContent())?.trim(), w.failed);
        assert.match((await failedRow.textContent()) ?? '', w.setup);
        assert.equal(await page.locator('#plugins tr[data-plugin="shout"] [data-failed]').count(), 0, 'the working plugin is not marked');
        assert.equal((await page.locator('#plugins-not-loaded h2').textContent())?.trim(), w.notLoaded);
        assert.match((await page.locator('#plugins-not-loaded li[data-not-loaded="no-export"]').textContent()) ?? '', w.export);
        assert.match((await page.locator('#plugins-not-loaded li[data-not-loaded="broken-import"]').textContent()) ?? '', /helper-that-is-not-there/);
        await atBothWidths(page, async (width) => {
          const scroll = await pageWidth(page);
          assert.ok(scroll <= width, `${lang} ${width} px: the page is ${scroll} px wide`);
          await screenshot(page, join(SHOTS, `plugins-not-running-${lang}-${width}.png`));
        });
        assert.deepEqual(errors, []);
        await context.close();
      });
    }
  });
});
