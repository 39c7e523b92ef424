import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/index.js';
import { api, raw, textMsg } from './raw.js';
import { screenshot } from '../../helpers/screenshot.js';

// The iLink phone page in real Chromium: a raw client plays the bot (QR login with a verify code,
// getupdates, typing, reply); the page scans, shows the code, confirms, chats and shows the reply.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('iLink phone page (Chromium)', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, () => {
  let sb: RunningSandbox;
  let browser: Browser;
  let page: Page;

  before(async () => {
    sb = await startSandbox({ ilink: { pollHoldMs: 300 } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
  });
  after(async () => {
    await browser?.close();
    await sb?.close();
  });

  it('the owner scans, reads the verify code, confirms, writes; sees typing… and the reply; screenshots at 1366 and 390 px', async () => {
    const qr = (await raw(sb.origin, '/ilink/bot/get_bot_qrcode?bot_type=3', { body: { local_token_list: [] } })).json();
    const qrcode = qr.qrcode as string;
    await page.goto(qr.qrcode_img_content as string);
    const card = page.locator(`li[data-qrcode="${qrcode}"]`);
    await card.locator('text=wait').waitFor();
    await page.check('#ask-code');
    await card.locator('button', { hasText: 'Scan' }).click();
    const code = (await card.locator('.code').textContent({ timeout: 5000 }))?.trim() ?? '';
    assert.match(code, /^\d{6}$/);
    // The owner types the digits into the bot's client; the client submits them.
    assert.equal((await raw(sb.origin, `/ilink/bot/get_qrcode_status?qrcode=${qrcode}&verify_code=${code}`)).json().status, 'scaned');
    await card.locator('button', { hasText: 'Confirm' }).click();
    const done = (await raw(sb.origin, `/ilink/bot/get_qrcode_status?qrcode=${qrcode}`)).json();
    assert.equal(done.status, 'confirmed');
    const token = done.bot_token as string;
    const userId = done.ilink_user_id as string;
    await api(sb.origin, 'msg/notifystart', token);
    await api(sb.origin, 'getupdates', token, { get_updates_buf: '' });
    await page.locator('#bot-state', { hasText: 'ClawBot connected' }).waitFor();

    await page.fill('#composer-text', 'what is the weather?');
    await page.click('#composer-send');
    let msgs: Record<string, unknown>[] = [];
    while (msgs.length === 0) msgs = (await api(sb.origin, 'getupdates', token, { get_updates_buf: '' })).json().msgs as Record<string, unknown>[];
    const m = msgs[0] as { context_token: string; item_list: { text_item: { text: string } }[] };
    assert.equal(m.item_list[0]?.text_item.text, 'what is the weather?');
    const cfg = (await api(sb.origin, 'getconfig', token, { ilink_user_id: userId })).json();
    await api(sb.origin, 'sendtyping', token, { ilink_user_id: userId, typing_ticket: cfg.typing_ticket, status: 1 });
    await page.locator('#typing:not([hidden])').waitFor();
    assert.equal((await api(sb.origin, 'sendmessage', token, textMsg(userId, 'Sunny, 21°C', m.context_token))).json().ret, 0);
    await page.locator('#log .entry', { hasText: 'Sunny, 21°C' }).waitFor();
    await page.locator('#typing[hidden]').waitFor({ state: 'attached' });
    await page.locator('#window', { hasText: '9 of 10 replies left' }).waitFor();

    // A voice message with a transcript, then the phone as the owner would see it.
    await page.selectOption('#composer-type', 'voice');
    await page.fill('#composer-text', 'remind me at five');
    await page.click('#composer-send');
    await page.locator('#log .entry', { hasText: 'remind me at five' }).waitFor();
    await screenshot(page, 'test-output/ilink-phone-1366.png');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'test-output/ilink-phone-390.png');

    // The window closes on the fake clock; the page says the bot waits for the owner.
    await page.click('button[data-action="clock-25h"]');
    await page.locator('#window', { hasText: 'closed' }).waitFor();
  });
});
