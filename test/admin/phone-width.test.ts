/**
 * Every panel page, and both sandbox phone pages, in real Chromium at desktop (1366 px) and phone (390 px)
 * width, in English and Chinese: no page scrolls sideways at 390 px, and with TEST_SCREENSHOTS=1 a screenshot of
 * each goes to test-output/screenshots/ (pages-<lang>-<width>-<page>.png) so anyone can look before and after.
 * Also the dashboard's small things: welcome text, plugin chips that say on/off, last successful sync,
 * chart lines that stay apart, account names in Logs, and the OpenAPI link.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventually, startServerStack, type ServerStack } from './helpers/panel-stack.js';
import { waitUntil } from '../../src/testing/wait.js';
import { screenshot } from '../helpers/screenshot.js';
import { atBothWidths, DESKTOP, PHONE, pageWidth } from './helpers/two-widths.js';

const SHOTS = join('test-output', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'];

/**
 * The texts of a table's links, buttons and state badges that are one word (no space: a Chinese "处理记录" is
 * one) yet laid out on more than one line: at 390 px a squeezed column stacks such a word one character per
 * line, making the row several lines tall, where the table should scroll instead. Cells of free text (a
 * message's content, `td.wrap`) may wrap.
 */
function stackedWords(page: Page): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll('table.list td a, table.list td button, table.list .state')]
    .filter((el) => !el.closest('td.content, td.wrap'))
    .map((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return { text: el.textContent.trim(), lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size };
    })
    .filter((w) => w.text && !/\\s/.test(w.text) && w.lines > 1)
    .map((w) => w.text)`);
}

describe('panel at phone and desktop width (Chromium)', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, () => {
  let stack: ServerStack;
  let browser: Browser;
  let page: Page;
  let account = '';
  let messageId = '';
  let webhookId = '';
  let roomId = '';
  const problems: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startServerStack();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ locale: 'en-US', viewport: DESKTOP });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('setup with an account already there (as in the demo) does not ask to add one', async () => {
    const bot = await stack.manager.add('Demo shop');
    account = bot.id;
    await page.goto(stack.url + '/setup');
    await page.fill('input[name=username]', 'operator');
    await page.fill('input[name=password]', 'a long password');
    await page.fill('input[name=confirm]', 'a long password');
    await page.click('#setup-submit');
    await page.waitForURL(/\/accounts/);
    const flash = (await page.textContent('.flash')) ?? '';
    assert.match(flash, /Welcome/);
    assert.doesNotMatch(flash, /Add a WeChat account/);
    // Leave the live accounts list: it reloads itself when an account changes state (live-accounts.js), and the next
    // test logs the account in; that reload would land in the middle of a later page.goto and interrupt it.
    await page.goto('about:blank');
  });

  it('the account logs in, talks, has a failed send, a plugin on and a webhook', async () => {
    await stack.manager.start(account);
    await eventually(async () => (await stack.sb.control.state()).qrcodes.some((q) => q.status === 'waiting'), 15_000, 'a QR');
    await stack.sb.control.scan();
    await stack.sb.control.confirm();
    const bot = await stack.manager.ready(account);
    await waitUntil(() => bot.info().state === 'online', 20_000, 'online');
    const st = await stack.sb.control.state(true);
    const friend = st.accounts[0]!.friends.find((f) => f.kind === 'friend')!;
    roomId = st.accounts[0]!.rooms[0]!.id;
    await stack.sb.control.sendMessage({
      from: friend.nickname,
      text: 'A long message with a long link https://example.com/a/really/long/path/that/does/not/break/nicely/at/all?with=query&and=more',
    });
    await waitUntil(async () => (await stack.store.messages.list(account, { limit: 5 })).items.length > 0, 15_000, 'a stored message');
    messageId = (await stack.store.messages.list(account, { limit: 1 })).items[0]!.id;
    await stack.manager.plugins(account)!.enable('echo');
    // A send WeChat refuses: it fails and shows in Logs with the account's name.
    await bot.send({ id: '@no-such-chat-0000' }, { type: 'text', text: 'nobody is there' }).catch(() => undefined);
    await waitUntil(async () => (await stack.store.outbound.list(account, { status: 'failed', limit: 5 })).length > 0, 20_000, 'a failed send');
    webhookId = (await stack.webhooks.createEndpoint({ url: 'http://127.0.0.1:9/hook', eventTypes: ['message.received'] })).endpoint.id;
  });

  it('the dashboard says which plugins are on, when the last sync succeeded, and keeps equal lines apart', async () => {
    await page.goto(`${stack.url}/accounts/${account}`);
    await page.waitForFunction("() => !!window.Chart && !!window.Chart.getChart('chart-week')");
    const echo = page.locator('.chips li[data-plugin="echo"]');
    const ai = page.locator('.chips li[data-plugin="ai"]');
    assert.match((await echo.innerText()).trim(), /echo\s+on$/);
    assert.match((await ai.innerText()).trim(), /ai\s+off$/);
    const look = async (name: string): Promise<string> =>
      (await page.evaluate(
        `(() => { const s = getComputedStyle(document.querySelector('.chips li[data-plugin="${name}"]')); return s.backgroundColor + ' ' + s.borderTopStyle; })()`,
      )) as string;
    assert.notEqual(await look('echo'), await look('ai'), 'on and off chips look different, not only by class');
    assert.match((await page.textContent('#last-sync')) ?? '', /^\d+[smhd] ago$/);
    assert.doesNotMatch(await page.content(), /Sync lag/);
    // Evaluated in the page (a string: this file is compiled without the DOM types).
    const styles = (await page.evaluate("Chart.getChart('chart-week').data.datasets.map((d) => JSON.stringify([d.borderDash, d.pointStyle]))")) as string[];
    assert.equal(styles.length, 4);
    assert.equal(new Set(styles).size, 4, `each line has its own dash and point style: ${styles.join(' ')}`);
  });

  it('Logs name the account of a failed send; the Webhooks & API page links the OpenAPI document', async () => {
    await page.goto(`${stack.url}/logs`);
    const failedRow = page
      .locator('table.list', { has: page.locator('th', { hasText: 'Chat' }) })
      .locator('tbody tr')
      .first();
    assert.match(await failedRow.innerText(), /Demo shop/);
    assert.doesNotMatch(await failedRow.innerText(), new RegExp(account));
    await page.goto(`${stack.url}/webhooks`);
    const [res] = await Promise.all([page.waitForResponse(/openapi\.json/), page.click('#openapi-link a')]);
    assert.equal(res.status(), 200);
    assert.equal(((await res.json()) as { openapi: string }).openapi.slice(0, 2), '3.');
  });

  it('no panel page scrolls sideways at 390 px, in English and Chinese; screenshots at 1366 and 390 px', async () => {
    const a = `/accounts/${account}`;
    const pages: [string, string][] = [
      ['accounts', '/accounts'],
      ['qr', `${a}/login`],
      ['dashboard', a],
      ['contacts', `${a}/contacts`],
      ['rooms', `${a}/rooms`],
      ['room', `${a}/rooms/${encodeURIComponent(roomId)}`],
      ['messages', `${a}/messages`],
      ['trace', `${a}/messages/${encodeURIComponent(messageId)}/trace`],
      ['plugins', `${a}/plugins`],
      ['plugin-ai', `${a}/plugins/ai`],
      ['rules', `${a}/plugins/auto-reply/rules`],
      ['logs', '/logs'],
      ['webhooks', '/webhooks'],
      ['webhook', `/webhooks/${encodeURIComponent(webhookId)}`],
      ['users', '/users'],
      ['audit', '/audit'],
    ];
    const wide: string[] = [];
    const stacked: string[] = [];
    for (const lang of ['en', 'zh-CN']) {
      await page.goto(`${stack.url}/accounts`);
      if ((await page.getAttribute('html', 'lang')) !== lang) {
        await page.click('header.top button[name=lang]');
        await page.waitForFunction(`() => document.documentElement.lang === ${JSON.stringify(lang)}`);
      }
      for (const [name, path] of pages) {
        const res = await page.goto(stack.url + path);
        assert.equal(res?.status(), 200, `${path} answers`);
        await atBothWidths(page, async (width) => {
          await screenshot(page, join(SHOTS, `pages-${lang}-${width}-${name}.png`));
          if (width !== PHONE.width) return;
          const scroll = await pageWidth(page);
          if (scroll > PHONE.width) wide.push(`${lang} ${name} ${path}: ${scroll} px`);
          for (const text of await stackedWords(page)) stacked.push(`${lang} ${name}: "${text}"`);
        });
      }
    }
    for (const [name, path] of [
      ['sandbox-web', '/sandbox'],
      ['sandbox-ilink', '/sandbox/ilink'],
    ] as const) {
      await page.goto(stack.sb.origin + path);
      await page.waitForSelector('#account-state, #user', { timeout: 10_000 }).catch(() => undefined);
      await atBothWidths(page, async (width) => {
        await screenshot(page, join(SHOTS, `pages-en-${width}-${name}.png`));
        const scroll = await pageWidth(page);
        if (width === PHONE.width && scroll > PHONE.width) wide.push(`${name} ${path}: ${scroll} px`);
      });
    }
    assert.deepEqual(wide, [], 'pages wider than the phone');
    assert.deepEqual(stacked, [], 'a link, button or badge in a table broken inside its word (one character per line)');
    assert.deepEqual(problems, []);
  });
});
