import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { RawClient } from './raw-client.js';
import { waitUntil } from '../../src/testing/wait.js';

// The phone page in real Chromium: a tiny raw client plays the bot (login, sync loop, echo
// replies); the page scans and confirms its QR, sends a message and shows the reply live.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

type Msg = { MsgType: number; Content: string; FromUserName: string };

async function echoBot(c: RawClient, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const check = await c.synccheck().catch(() => '');
    if (signal.aborted || /retcode:"11\d\d"/.test(check)) return;
    if (!/selector:"[1-9]"/.test(check)) continue;
    const s = await c.sync();
    for (const m of (s.AddMsgList ?? []) as Msg[]) {
      if (m.MsgType === 1 && m.FromUserName !== c.user) await c.sendText(m.FromUserName, `echo: ${m.Content.replace(/^@[0-9a-f]+:<br\/>/, '')}`);
    }
  }
}

describe('sandbox phone page (Chromium)', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, () => {
  let sb: RunningSandbox;
  let browser: Browser;
  let page: Page;
  const stop = new AbortController();
  let bot: Promise<void> | undefined;

  before(async () => {
    sb = await startSandbox({ holdMs: 300, contacts: 12, rooms: 2, roomSize: 5 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage();
  });

  after(async () => {
    stop.abort();
    await browser?.close();
    await sb?.close();
    await bot?.catch(() => undefined);
  });

  it('scans and confirms a QR, sends a message as a contact and shows the reply; user content stays text', async () => {
    const c = new RawClient(sb.origin);
    await c.jslogin();
    await page.goto(`${sb.origin}/sandbox`);
    const qr = page.locator(`#qr-list li[data-uuid="${c.uuid}"]`);
    await qr.waitFor({ timeout: 10_000 });
    await qr.locator('button[data-act=scan]').click();
    await page.locator(`#qr-list li[data-uuid="${c.uuid}"] button[data-act=confirm]:not([disabled])`).click({ timeout: 10_000 });
    let body = await c.poll(0);
    while (!body.startsWith('window.code=200;')) body = await c.poll(0);
    await c.newLoginPage(/redirect_uri="([^"]+)"/.exec(body)?.[1] as string);
    assert.equal((await c.init()).BaseResponse.Ret, 0);
    bot = echoBot(c, stop.signal);
    await page.locator('#account-state.online').waitFor({ timeout: 10_000 });

    const state = await sb.control.state();
    const friend = state.accounts[0]!.friends.find((f) => f.kind === 'friend')!;
    await page.locator(`#chat-list li[data-chat="${friend.id}"]`).click();
    await page.fill('#composer-text', 'hello <b>bot</b>');
    await page.click('#composer-send');
    const reply = page.locator('#log li.entry.out', { hasText: 'echo: hello' });
    await reply.waitFor({ timeout: 10_000 });
    assert.equal((await reply.locator('.text').textContent())?.trim(), 'echo: hello &lt;b&gt;bot&lt;/b&gt;');
    assert.equal(await page.locator('#log b').count(), 0, 'no HTML from messages reaches the DOM');
    const sent = await sb.control.sent();
    assert.ok(sent.messages.some((m) => m.to === friend.id && m.text.startsWith('echo: hello')));

    // A group message as a member, and a phone-side event button.
    const room = state.accounts[0]!.rooms[0]!;
    await page.locator(`#chat-list li[data-chat="${room.id}"]`).click();
    await page.fill('#composer-text', 'group hello');
    await page.click('#composer-send');
    await page.locator('#log li.entry.out', { hasText: 'echo: group hello' }).waitFor({ timeout: 10_000 });
  });

  it('shows each message once even when journal answers are slow (pollers must not overlap on the same cursor)', async () => {
    // A slow network: every journal answer arrives 1.2 s late, longer than the page's polling interval.
    // Overlapping polls would each carry the same `since` and append the same entries twice.
    let answered = 0;
    let overlapping = 0;
    let inFlight = 0;
    await page.route('**/sandbox/api/journal*', async (route) => {
      inFlight++;
      overlapping = Math.max(overlapping, inFlight);
      const res = await route.fetch();
      await new Promise((r) => setTimeout(r, 1200));
      inFlight--;
      await route.fulfill({ response: res });
      answered++;
    });
    await page.fill('#composer-text', 'only once');
    await page.click('#composer-send');
    await page.locator('#log li.entry.out', { hasText: 'echo: only once' }).waitFor({ timeout: 15_000 });
    // Let two more journal answers land, so that any overlapping poll has delivered its copy.
    const seen = answered;
    await waitUntil(() => answered >= seen + 2, 15_000, 'two more journal answers');
    assert.equal(await page.locator('#log li.entry', { hasText: 'only once' }).count(), 2, 'the message and its echo, each once');
    assert.equal(await page.locator('#feed li.entry', { hasText: 'only once' }).count(), 2, 'the feed lists each once too');
    assert.equal(overlapping, 1, 'at most one journal request in flight');
    // 'wait': a journal answer still held by the handler is fulfilled before the route goes. Unrouted while one
    // was held (the default), Playwright handled that request itself and the late fulfill threw "Route is already
    // handled!" after the file's tests had ended (a CI run at load 23).
    await page.unrouteAll({ behavior: 'wait' });
  });

  it('a phone-side logout shows on the page', async () => {
    await page.click('button[data-event="logout"]');
    await page.locator('#account-state.offline').waitFor({ timeout: 10_000 });
  });
});
