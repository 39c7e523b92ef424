/**
 * Plugin settings as a user meets them, in real Chromium against the server `weiroto start` builds and
 * an account logged in to the sandbox: the on/off switch on a plugin's page turns it on and it answers;
 * an auto-reply rule is added, edited, switched off and removed in the list editor (no JSON) and each
 * change shows on the next message; the chain order is saved in one step (with and without
 * JavaScript) and the API reports it; without JavaScript a forward route is added with the chat
 * picker and relays a message; every plugin page in Chinese shows only Chinese labels; no
 * plugin page scrolls sideways at 390 px. Screenshots of each plugin page at 1366 and 390 px, in
 * English and Chinese, go to test-output/screenshots/ (plugin-<name>-<lang>-<width>.png) with TEST_SCREENSHOTS=1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { eventually, startServerStack, type ServerStack } from './helpers/panel-stack.js';
import { signIn } from './helpers/sign-in.js';
import { screenshot } from '../helpers/screenshot.js';
import { atBothWidths, DESKTOP, PHONE, pageWidth } from './helpers/two-widths.js';

const SHOTS = join('test-output', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'];
const PASSWORD = 'plugin settings password';
const TOKEN = 'plugin-settings-api-token-0123456789';

describe('plugin settings in the panel (Chromium)', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, () => {
  let stack: ServerStack;
  let browser: Browser;
  let account = '';
  let friend = '';
  let room = '';
  const problems: string[] = [];

  async function open(options: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser.newContext({ locale: 'en-US', viewport: DESKTOP, ...options });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    return signIn(page, stack.url, PASSWORD);
  }

  const plugin = (name: string): { enabled: boolean; config: unknown } =>
    stack.manager
      .plugins(account)!
      .list()
      .find((p) => p.name === name)!;

  /** The friend says `text`; the account's first answer to them after it. */
  async function say(text: string): Promise<string> {
    const since = (await stack.sb.control.sent()).next;
    await stack.sb.control.sendMessage({ from: friend, text });
    return (await stack.sb.control.waitForSent((m) => m.toName === friend, { since, timeoutMs: 20_000 })).text;
  }

  /** Press Save and wait for the page it leads to (the URL may already carry the flash of an earlier save). */
  async function save(page: Page): Promise<void> {
    const navigated = page.waitForEvent('framenavigated');
    await page.click('#plugin-save');
    await navigated;
    await page.waitForLoadState();
    assert.match(page.url(), /flash=flash\.saved/);
  }

  async function api<T>(path: string): Promise<T> {
    const res = await fetch(`${stack.url}/api/v1${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200, `GET ${path}`);
    return (await res.json()) as T;
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startServerStack({ sandbox: { autoScanMs: 10, autoConfirmMs: 10 }, env: { ADMIN_PASSWORD: PASSWORD, API_TOKEN: TOKEN } });
    const bot = await stack.manager.add('shop');
    account = bot.id;
    await eventually(() => bot.info().state === 'online', 15_000, 'online');
    const st = await stack.sb.control.state(true);
    friend = st.accounts[0]!.friends.find((f) => f.kind === 'friend')!.nickname;
    room = st.accounts[0]!.rooms[0]!.topic;
    await eventually(() => bot.directory.findRoom(room), 10_000, 'directory');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('the switch on a plugin page turns it on with its settings, the page says so, and it answers', async () => {
    const page = await open();
    await page.goto(`${stack.url}/accounts/${account}/plugins/echo`);
    assert.equal(await page.getAttribute('#plugin-state', 'data-enabled'), 'false');
    assert.equal(await page.textContent('label[for="f-prefix"]'), 'Prefix');
    await page.check('#plugin-enabled');
    await page.fill('#f-prefix', 'echo: ');
    await save(page);
    assert.equal(await page.getAttribute('#plugin-state', 'data-enabled'), 'true');
    assert.equal(await page.isChecked('#plugin-enabled'), true);
    assert.equal(plugin('echo').enabled, true);
    assert.equal(await say('hello there'), 'echo: hello there');
    await page.context().close();
  });

  it('an auto-reply rule is added, edited, switched off and removed in the form, each change shown on the next message', async () => {
    const page = await open();
    await page.goto(`${stack.url}/accounts/${account}/plugins/auto-reply`);
    await page.click('button.item-add[data-list="rules"]');
    await page.waitForSelector('#form-unsaved');
    assert.deepEqual((plugin('auto-reply').config as { rules: unknown[] }).rules, [], 'adding an item saves nothing yet');
    // A rule without a pattern is refused beside the rule's pattern field.
    await page.check('#plugin-enabled');
    await page.fill('#f-rules-0-replies-0-text', 'It is 5 yuan');
    await page.click('#plugin-save');
    const missing = page.locator('.field[data-field="rules.0.pattern"] .field-error');
    await missing.waitFor();
    assert.match(await missing.innerText(), /a rule needs a pattern/);
    assert.equal(await page.inputValue('#f-rules-0-replies-0-text'), 'It is 5 yuan', 'what was typed is kept');
    assert.equal(plugin('auto-reply').enabled, false, 'a refused form switches nothing on');
    await page.fill('#f-rules-0-pattern', 'price');
    await page.fill('#f-rules-0-name', 'Prices');
    await save(page);
    assert.equal(await page.getAttribute('#plugin-state', 'data-enabled'), 'true');
    assert.equal(await say('what is the price?'), 'It is 5 yuan');

    await page.fill('#f-rules-0-replies-0-text', 'It is 6 yuan now');
    await save(page);
    assert.equal(await say('price please'), 'It is 6 yuan now');

    await page.uncheck('#f-rules-0-enabled');
    await save(page);

    assert.match(await page.innerText('#f-rules-0 summary'), /Prices.*off/s);
    assert.equal(await say('price again'), 'echo: price again', 'the switched-off rule no longer answers; echo, later in the chain, does');

    await page.click('#f-rules-0 button.item-remove');
    await page.waitForSelector('#form-unsaved');
    assert.equal(await page.locator('#f-rules li.item').count(), 0);
    await save(page);
    assert.deepEqual((plugin('auto-reply').config as { rules: unknown[] }).rules, []);
    assert.equal(await say('price?'), 'echo: price?');
    await page.context().close();
  });

  it('the chain order is saved in one step, and the API reports it (with JavaScript and without)', async () => {
    type Order = { items: { name: string }[] };
    const page = await open();
    await page.goto(`${stack.url}/accounts/${account}/plugins`);
    let loads = 0;
    page.on('framenavigated', () => loads++);
    const names = await page.$$eval('#plugins tr[data-plugin]', (rows) => rows.map((r) => r.getAttribute('data-plugin')!));
    const steps = names.indexOf('echo');
    assert.ok(steps > 0);
    for (let i = 0; i < steps; i++) await page.click('tr[data-plugin="echo"] button[data-dir="up"]');
    assert.equal(loads, 0, 'moving rows loads no page');
    assert.equal(await page.inputValue('tr[data-plugin="echo"] input.position'), '1');
    // A row can be dragged too: ai dragged onto the first row and back below echo leaves the order as the buttons made it.
    const last = names.filter((n) => n !== 'echo').at(-1)!;
    await page.dragAndDrop(`tr[data-plugin="${last}"] td.wrap`, 'tr[data-plugin="echo"] td.wrap', { targetPosition: { x: 5, y: 2 } });
    assert.equal(await page.inputValue(`tr[data-plugin="${last}"] input.position`), '1', 'dragged to the top');
    const bottom = page.locator('#plugins tbody tr').last();
    const box = (await bottom.boundingBox())!;
    await page.locator(`tr[data-plugin="${last}"] td.wrap`).dragTo(bottom, { targetPosition: { x: 5, y: box.height - 3 } });
    assert.equal(await page.inputValue('tr[data-plugin="echo"] input.position'), '1');
    assert.equal(await page.inputValue(`tr[data-plugin="${last}"] input.position`), String(names.length), 'dragged back to the bottom');
    await page.click('#plugin-order-save');
    await page.waitForURL(/flash=flash\.orderSaved/);
    assert.equal(loads, 1, 'one page load for the whole order');
    const want = ['echo', ...names.filter((n) => n !== 'echo')];
    assert.deepEqual(
      (await api<Order>(`/accounts/${account}/plugins`)).items.map((p) => p.name),
      want,
    );
    assert.equal(await say('who answers first?'), 'echo: who answers first?');
    await page.context().close();

    const plain = await open({ javaScriptEnabled: false });
    await plain.goto(`${stack.url}/accounts/${account}/plugins`);
    assert.equal(await plain.isVisible('tr[data-plugin="echo"] button[data-dir="up"]'), false, 'without JavaScript the numbers are typed');
    await plain.fill('tr[data-plugin="echo"] input.position', '99');
    await plain.fill('tr[data-plugin="auto-reply"] input.position', '0');
    await plain.click('#plugin-order-save');
    await plain.waitForURL(/flash=flash\.orderSaved/);
    const order = (await api<Order>(`/accounts/${account}/plugins`)).items.map((p) => p.name);
    assert.equal(order[0], 'auto-reply');
    assert.equal(order.at(-1), 'echo');
    await plain.context().close();
  });

  it('without JavaScript: a forward route is added with the chat picker, saved, and relays the next message', async () => {
    const page = await open({ javaScriptEnabled: false });
    await page.goto(`${stack.url}/accounts/${account}/plugins/forward`);
    await page.click('button.item-add[data-list="routes"]');
    await page.waitForSelector('#f-routes-0');
    // The picker's Add button posts the form and comes back with the chat in the list (not saved yet).
    await page.fill('input[name="pick:routes/0/from"]', friend);
    await page.click('#f-routes-0-from-field button.pick-add');
    await page.waitForFunction(`() => document.getElementById('f-routes-0-from').value.includes(${JSON.stringify(friend)})`);
    await page.fill('#f-routes-0-to', room);
    await page.fill('#f-routes-0-name', 'Orders to the team');
    await page.check('#plugin-enabled');
    await save(page);
    assert.equal(plugin('forward').enabled, true);
    assert.deepEqual((plugin('forward').config as { routes: { from: string[] }[] }).routes[0]!.from, [friend]);
    const since = (await stack.sb.control.sent()).next;
    await stack.sb.control.sendMessage({ from: friend, text: 'two coffees please' });
    const relayed = await stack.sb.control.waitForSent((m) => m.toName === room && m.text.includes('two coffees please'), { since, timeoutMs: 20_000 });
    assert.match(relayed.text, new RegExp(`${friend}:`));
    await page.context().close();
  });

  it('every plugin page: labels in Chinese, none left in English, no sideways scroll at 390 px; screenshots in both languages', async () => {
    const host = stack.manager.plugins(account)!;
    // Lists with items, so that the editors are drawn (and looked at) with content.
    await host.configure('auto-reply', {
      rules: [
        { name: 'Opening hours', pattern: 'open', replies: [{ text: 'We open at 9.' }], windows: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' }] },
        { pattern: 'price', match: 'starts-with', enabled: false, replies: [{ text: 'See the menu.' }] },
      ],
    });
    await host.configure('forward', { routes: [{ name: 'Orders to the team', from: [friend], to: [room], types: ['text', 'image'] }] });
    await host.configure('schedule', { jobs: [{ name: 'Morning', to: [room], text: 'Good morning!', cron: '0 9 * * 1-5' }] });
    await host.configure('friends', { invites: [{ keyword: 'join', rooms: [room] }] });
    await host.configure('ai', { chatPrompts: [{ chat: room, prompt: 'Answer as the shop assistant.' }] });
    const names = host.list().map((p) => p.name);
    const english = new Map<string, Set<string>>();
    const labels = (page: Page): Promise<string[]> =>
      page.$$eval(
        '#plugin-title, #plugin-description, .field label, .field .label, .field .help, summary strong, .field option, button.item-add, .pick-add',
        (els) => els.map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim()).filter(Boolean),
      );
    for (const [locale, lang] of [
      ['en-US', 'en'],
      ['zh-CN', 'zh'],
    ] as const) {
      // One sign-in and one load of each page per language, looked at in both widths by a resize (a load per page and
      // width cost twice the page loads); the next page is loaded at the width the last one was left at.
      const page = await open({ locale, viewport: DESKTOP });
      /** At each width in turn, from the page's own: what fits 390 px does, and the screenshot `${stem}-${width}.png`. */
      const fitsBothWidths = (what: string, stem: string): Promise<void> =>
        atBothWidths(page, async (width) => {
          if (width === PHONE.width) {
            const wide = await pageWidth(page);
            assert.ok(wide <= PHONE.width, `${what} (${lang}) is ${wide} px wide at ${PHONE.width} px`);
          }
          await screenshot(page, join(SHOTS, `${stem}-${width}.png`));
        });
      await page.goto(`${stack.url}/accounts/${account}/plugins`);
      await fitsBothWidths('plugins list', `plugins-${lang}`);
      if (lang === 'zh') {
        const listed = await page.$$eval('#plugins tr[data-plugin] td:nth-child(2) > a, #plugins td.wrap', (els) =>
          els.map((e) => (e.textContent ?? '').trim()),
        );
        assert.deepEqual(
          listed.filter((l) => !/\p{Script=Han}/u.test(l)),
          [],
          'plugin names and descriptions on the plugins page are in Chinese',
        );
      }
      for (const name of names) {
        await page.goto(`${stack.url}/accounts/${account}/plugins/${name}`);
        await page.waitForSelector('#plugin-form');
        assert.equal(await page.locator('.key-label').count(), 0, `${name}: a raw key shows as a label`);
        const shown = await labels(page);
        if (lang === 'en') english.set(name, new Set(shown));
        else {
          const untranslated = shown.filter((l) => !/\p{Script=Han}/u.test(l) || english.get(name)!.has(l));
          assert.deepEqual(untranslated, [], `${name}: labels not in Chinese`);
        }
        await fitsBothWidths(name, `plugin-${name}-${lang}`);
        if (lang === 'en') {
          // What the form draws, it reads back: saving a page unchanged keeps the config as it was.
          const before = JSON.stringify(plugin(name).config);
          await save(page);
          assert.equal(JSON.stringify(plugin(name).config), before, `${name}: saving the unchanged form changed the config`);
        }
      }
      await page.context().close();
    }
    // The Chinese form offers the Chinese default prompt while the saved one is still the English default.
    const zh = await open({ locale: 'zh-CN' });
    await zh.goto(`${stack.url}/accounts/${account}/plugins/ai`);
    assert.match(await zh.inputValue('#f-systemPrompt'), /你是微信聊天里一位友好的助手/);
    await save(zh);
    const ai = plugin('ai').config as { systemPrompt: string; chatPrompts: { chat: string }[] };
    assert.match(ai.systemPrompt, /你是微信聊天里一位友好的助手/, 'saving in Chinese keeps the Chinese default prompt');
    assert.equal(ai.chatPrompts[0]!.chat, room);
    await zh.context().close();
  });

  it('no page errors', () => {
    assert.deepEqual(problems, []);
  });
});
