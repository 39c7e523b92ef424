// The newcomer's path in real Chromium: the phone page scans and confirms the QR of the real
// weiroto server (echo plugin), sends a message as a friend and as a group member, and sees the
// bot's echoes arrive live. HTML in the message stays text on the page.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { withStoreEnv } from '../helpers/store.js';
import { screenshot } from '../helpers/screenshot.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('phone page with the real bot (Chromium)', () => {
  let sb: RunningSandbox;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium is required at ${CHROMIUM} (apt-get install chromium)`);
    sb = await startSandbox({ holdMs: 300, contacts: 12, rooms: 2, roomSize: 5 });
    const config = loadConfig(
      await withStoreEnv({ PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'w-phone-')), BOT_PLUGINS: 'echo', SEND_PACING: 'off', WECHAT_ENDPOINT: sb.origin }),
      { envFile: false },
    );
    server = await startServer({ config, log: silentLogger() });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await sb?.close();
  });

  it('scans, confirms, sends as a friend and as a member, and shows the bot echo', async () => {
    await page.goto(`${sb.origin}/sandbox`);
    const qr = page.locator('#qr-list li[data-uuid]').first();
    await qr.waitFor({ timeout: 15_000 });
    await qr.locator('button[data-act=scan]').click();
    await page.locator('#qr-list li[data-uuid] button[data-act=confirm]:not([disabled])').first().click({ timeout: 10_000 });
    await page.locator('#account-state.online').waitFor({ timeout: 15_000 });

    const state = await sb.control.state();
    const friend = state.accounts[0]!.friends.find((f) => f.kind === 'friend')!;
    await page.locator(`#chat-list li[data-chat="${friend.id}"]`).click();
    await page.fill('#composer-text', 'hello <b>bot</b>');
    await page.click('#composer-send');
    const reply = page.locator('#log li.entry.out', { hasText: 'hello <b>bot</b>' });
    await reply.waitFor({ timeout: 15_000 });
    assert.equal((await reply.locator('.text').textContent())?.trim(), 'hello <b>bot</b>');
    assert.equal(await page.locator('#log b').count(), 0, 'no HTML from messages reaches the DOM');

    const room = state.accounts[0]!.rooms[0]!;
    await page.locator(`#chat-list li[data-chat="${room.id}"]`).click();
    await page.fill('#composer-text', 'group hello');
    await page.click('#composer-send');
    await page.locator('#log li.entry.out', { hasText: 'group hello' }).waitFor({ timeout: 15_000 });
    const sent = (await sb.control.sent()).messages;
    assert.ok(
      sent.some((m) => m.to === friend.id && m.text === 'hello <b>bot</b>'),
      JSON.stringify(sent),
    );
    assert.ok(
      sent.some((m) => m.to === room.id && m.text === 'group hello'),
      JSON.stringify(sent),
    );
    await screenshot(page, 'test-output/screenshots/sandbox-phone-bot.png');
  });
});
