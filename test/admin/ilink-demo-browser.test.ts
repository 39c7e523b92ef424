/**
 * `weiroto demo` with an iLink account, in real Chromium, as a newcomer would use it: a fresh data
 * folder, the panel's "Add account" → iLink, the QR scanned on the sandbox phone page in iLink mode
 * with a verify code typed into the panel, a chat from the phone page ("typing…" while the AI plugin
 * thinks, then its answer), the reply window and the replies left on the account page; then the
 * sandbox's fake clock closes the window (25 h), a message sent from the panel waits for the user,
 * visible with its reason, and goes out once the user writes. Screenshots of every page involved at
 * 1366 and 390 px, in English and Chinese, go to test-output/screenshots/ilink/ (TEST_SCREENSHOTS=1).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startFakeOpenAi, type FakeOpenAi } from '../plugins/ai/fake-openai.js';
import { waitUntil } from '../../src/testing/wait.js';
import { CHILD_TEST_TIMEOUT_MS, untilOutput } from '../helpers/child.js';
import { afterPaint } from '../helpers/after-paint.js';
import { DESKTOP, PHONE, pageWidth } from './helpers/two-widths.js';
import { SCREENSHOTS, screenshot } from '../helpers/screenshot.js';
import { storeEnv } from '../helpers/store.js';

const BIN = resolve(import.meta.dirname, '../../bin/weiroto.js');
const SHOTS = join('test-output', 'screenshots', 'ilink');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'];

describe(
  'weiroto demo: an iLink account from the panel to the phone page (Chromium)',
  { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`, timeout: CHILD_TEST_TIMEOUT_MS },
  () => {
    let child: ChildProcess;
    let exited: Promise<unknown[]>;
    let out = '';
    let err = '';
    let panel = '';
    let sandbox = '';
    let ai: FakeOpenAi;
    let browser: Browser;
    let en: BrowserContext;
    let zh: BrowserContext | undefined;
    let page: Page; // the panel, in English
    let phone: Page; // the sandbox phone page, iLink mode
    let account = '';
    let owner = '';
    const dataDir = mkdtempSync(join(tmpdir(), 'w-ilink-demo-'));
    const problems: string[] = [];

    /** The current panel page at both widths in English, and the same address in Chinese. */
    const shots = async (name: string): Promise<void> => {
      await screenshot(page, join(SHOTS, `${name}-en-1366.png`));
      await page.setViewportSize(PHONE);
      await afterPaint(page); // a frame at 390 px before it is measured (test/admin/helpers/two-widths.ts)
      await screenshot(page, join(SHOTS, `${name}-en-390.png`));
      const wide = await pageWidth(page);
      await page.setViewportSize(DESKTOP);
      assert.ok(Number(wide) <= 390, `${name} scrolls sideways at 390 px (${String(wide)} px wide)`);
      if (!SCREENSHOTS) return; // the Chinese page is opened only to be looked at
      zh ??= await browser.newContext({ locale: 'zh-CN', viewport: DESKTOP, storageState: await en.storageState() });
      const p = await zh.newPage();
      await p.goto(page.url());
      await screenshot(p, join(SHOTS, `${name}-zh-1366.png`));
      await p.setViewportSize({ width: 390, height: 844 });
      await screenshot(p, join(SHOTS, `${name}-zh-390.png`));
      await p.close();
    };
    /** The phone page is the sandbox's (English only): both widths. */
    const phoneShots = async (name: string): Promise<void> => {
      if (!SCREENSHOTS) return;
      await screenshot(phone, join(SHOTS, `${name}-1366.png`));
      await phone.setViewportSize({ width: 390, height: 844 });
      await screenshot(phone, join(SHOTS, `${name}-390.png`));
      await phone.setViewportSize(DESKTOP);
    };
    const accountPage = async (): Promise<void> => {
      await page.goto(`${panel}/accounts/${encodeURIComponent(account)}`);
    };

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      // `weiroto` compiles itself when dist/ is older than the sources (a fresh clone, or a run without
      // `npm test`'s build): let `weiroto help` do that first, so that what is timed below is the demo's start.
      const build = spawnSync(process.execPath, [BIN, 'help'], { encoding: 'utf8' });
      assert.equal(build.status, 0, build.stderr);
      // The AI plugin answers on the iLink account; its model server is local (AI_BASE_URL on 127.0.0.1).
      ai = await startFakeOpenAi();
      child = spawn(process.execPath, [BIN, 'demo'], {
        env: {
          PATH: process.env.PATH ?? '',
          PORT: '0',
          SANDBOX_PORT: '0',
          DATA_DIR: dataDir,
          ...(await storeEnv(dataDir)),
          LOG_LEVEL: 'warn',
          NODE_ENV: 'production',
          BOT_PLUGINS: 'ai',
          AI_BASE_URL: ai.baseUrl,
          AI_MODEL: 'demo-model',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      exited = once(child, 'exit');
      await untilOutput(child, () => /weiroto panel:\s+http/.test(out) && /iLink phone page:\s+http/.test(out), 'the demo banner');
      panel = /weiroto panel:\s+(http:\/\/\S+)/.exec(out)![1]!;
      sandbox = /iLink phone page:\s+(http:\/\/\S+)\/sandbox\/ilink/.exec(out)![1]!;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
      en = await browser.newContext({ locale: 'en-US', viewport: DESKTOP });
      page = await en.newPage();
      phone = await en.newPage();
      for (const p of [page, phone]) {
        p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        p.on('response', (r) => {
          if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
        });
      }
    });
    after(async () => {
      await browser?.close();
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await ai?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('1. set the password, then "Add account" → iLink shows a QR', async () => {
      await page.goto(panel + '/');
      assert.match(page.url(), /\/setup$/);
      await page.fill('input[name=username]', 'operator');
      await page.fill('input[name=password]', 'a long password');
      await page.fill('input[name=confirm]', 'a long password');
      await page.click('#setup-submit');
      await page.waitForURL(/\/accounts/);
      await page.fill('input[name=name]', 'My iLink bot');
      await page.check('input[name=transport][value=ilink]');
      await shots('01-add-account');
      await page.click('#add-account');
      await page.waitForURL(/\/accounts\/[^/]+\/login$/);
      account = decodeURIComponent(/\/accounts\/([^/]+)\/login/.exec(page.url())![1]!);
      await page.waitForSelector('#qr-image:not([hidden])');
      assert.match((await page.getAttribute('#qr-image', 'src')) ?? '', /^data:image\/png;base64,/);
      assert.ok(await page.isVisible('#qr-ilink-hint'), 'the page says which WeChat scans an iLink QR');
      await shots('02-qr');
    });

    it('2. the owner scans on the phone page, the verify code is typed into the panel, the owner confirms', async () => {
      // The camera reads the QR's link: the sandbox phone page with this QR in focus.
      const qrcode = await page.getAttribute('#qr-image', 'data-qr-id');
      assert.match(qrcode ?? '', /^[0-9a-f]{32}$/);
      await phone.goto(`${sandbox}/sandbox/ilink?qrcode=${qrcode}`);
      const card = phone.locator(`li[data-qrcode="${qrcode}"]`);
      await card.locator('text=wait').waitFor();
      await phone.check('#ask-code'); // the sandbox's verify-code switch: this scan asks for digits
      await card.locator('button', { hasText: 'Scan' }).click();
      const code = ((await card.locator('.code').textContent()) ?? '').trim();
      assert.match(code, /^\d{6}$/);
      await phoneShots('03-phone-verify-code');
      await page.waitForSelector('#verify-code:not([hidden])');
      await page.fill('#verify-code-input', code);
      await shots('04-verify-code');
      await page.click('#verify-code button');
      await page.waitForURL(/\/login/);
      await card.locator('button', { hasText: 'Confirm' }).click();
      // "Online!" shows for 800 ms, then the login page goes to the account's page by itself (public/qr.js), which it
      // does only once online: waiting for that page proves the login, where a wait for the status line could straddle
      // the navigation on a loaded machine and time out with the line found; a later step's goto could be cut off by it.
      await page.waitForURL((url) => url.pathname === `/accounts/${encodeURIComponent(account)}`, { timeout: 20_000 });
      await phone.locator('#bot-state', { hasText: 'ClawBot connected' }).waitFor({ timeout: 20_000 });
    });

    it('3. the owner writes on the phone: "typing…" while the AI thinks, then its answer', async () => {
      let answer!: (text: string) => void;
      ai.next.push({ until: new Promise<string>((r) => (answer = r)) });
      await phone.fill('#composer-text', 'What is the weather like?');
      await phone.click('#composer-send');
      await waitUntil(() => ai.requests.length === 1, 20_000, 'the AI asked');
      await phone.locator('#typing:not([hidden])').waitFor({ timeout: 20_000 });
      await phoneShots('05-phone-typing');
      answer('Sunny and 21 °C.');
      await phone.locator('#log .entry', { hasText: 'Sunny and 21 °C.' }).waitFor({ timeout: 20_000 });
      await phone.locator('#typing').waitFor({ state: 'hidden', timeout: 20_000 });
      assert.equal(ai.requests[0]!.messages.at(-1)!.content, 'What is the weather like?');
      await phoneShots('06-phone-answer');
    });

    it('4. the account page shows the kind, the bound user, the reply window, the replies left and what iLink cannot do', async () => {
      await accountPage();
      assert.equal((await page.textContent('#transport-kind'))?.trim(), 'iLink bot');
      owner = ((await page.textContent('#transport-owner')) ?? '').trim();
      assert.match(owner, /@im\.wechat$/);
      assert.match((await page.textContent('#reply-window')) ?? '', /^open for 23 h \d+ min$/);
      assert.equal((await page.textContent('#reply-quota'))?.trim(), '9 of 10');
      // Each capability iLink lacks, with its one-line reason; the rooms link is disabled with the reason.
      const lacks = await page.locator('#capability-list li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-capability')));
      assert.deepEqual(lacks, ['directory', 'rooms', 'friend-requests', 'revoke', 'forward', 'send-emoticon', 'avatars']);
      for (const reason of await page.locator('#capability-list li').allTextContents()) assert.doesNotMatch(reason, /^cap\.|^\s*$/, 'each has its sentence');
      assert.match((await page.textContent('#capability-list li[data-capability="forward"]')) ?? '', /No forwarding/);
      assert.equal(await page.getAttribute('#nav-rooms-off', 'title'), 'No group chats: an iLink bot chats only with its owner.');
      assert.equal(await page.locator('#held-messages tbody tr.out-waiting-for-user').count(), 0);
      await shots('07-account');
    });

    it('5. the fake clock closes the window: a message from the panel waits for the user, with its reason', async () => {
      await phone.click('button[data-action="clock-25h"]');
      await phone.locator('#window', { hasText: 'closed' }).waitFor();
      await page.goto(`${panel}/accounts/${encodeURIComponent(account)}/messages?chat=${encodeURIComponent(owner)}`);
      await page.fill('#send-text', 'Your parcel has arrived.');
      await page.click('#send-submit');
      await page.waitForURL(/flash=flash\.queued/);
      await waitUntil(
        async () => {
          await accountPage();
          return (await page.locator('#held-messages tr.out-waiting-for-user', { hasText: 'Your parcel has arrived.' }).count()) === 1;
        },
        20_000,
        'the message held on the account page',
      );
      assert.equal((await page.textContent('#reply-window'))?.trim(), 'closed: waiting for the user');
      assert.match((await page.textContent('#held-messages tr.out-waiting-for-user .error')) ?? '', /reply window closed/);
      await shots('08-account-held');
      await page.goto(`${panel}/accounts/${encodeURIComponent(account)}/messages?chat=${encodeURIComponent(owner)}`);
      const row = page.locator('#outbox tr', { hasText: 'Your parcel has arrived.' });
      assert.equal((await row.locator('.status-waiting-for-user').textContent())?.trim(), 'waiting for the user');
      await shots('09-messages-held');
      await phoneShots('10-phone-closed');
    });

    it('6. the user writes again: the held message is delivered, and the panel shows it sent', async () => {
      await phone.fill('#composer-text', 'I am back');
      await phone.click('#composer-send');
      await phone.locator('#log .entry', { hasText: 'Your parcel has arrived.' }).waitFor({ timeout: 20_000 });
      await waitUntil(
        async () => {
          await accountPage();
          return (await page.locator('#held-messages tr.out-waiting-for-user').count()) === 0;
        },
        20_000,
        'the held list empty',
      );
      assert.match((await page.textContent('#reply-window')) ?? '', /^open for 23 h \d+ min$/);
      await page.goto(`${panel}/accounts/${encodeURIComponent(account)}/messages?chat=${encodeURIComponent(owner)}`);
      assert.equal((await page.locator('#outbox tr', { hasText: 'Your parcel has arrived.' }).locator('.status-sent').textContent())?.trim(), 'sent');
      await phoneShots('11-phone-delivered');
    });

    it('7. the plugin list says which plugins cannot apply to this iLink account, and why', async () => {
      await page.goto(`${panel}/accounts/${encodeURIComponent(account)}/plugins`);
      const forward = page.locator('tr[data-plugin="forward"] [data-cannot-apply]');
      assert.equal(await forward.getAttribute('data-cannot-apply'), 'forward');
      assert.match((await forward.textContent()) ?? '', /Cannot apply to this account: No forwarding/);
      assert.equal(await page.locator('tr[data-plugin="room-welcome"] [data-cannot-apply]').getAttribute('data-cannot-apply'), 'rooms');
      assert.equal(await page.locator('tr[data-plugin="ai"] [data-cannot-apply]').count(), 0);
      await shots('12-plugins');
      await page.goto(`${panel}/accounts/${encodeURIComponent(account)}/contacts`);
      assert.match((await page.textContent('[data-capability-off="directory"]')) ?? '', /No contact list/);
      await shots('13-contacts');
      // A contact operation iLink cannot do, posted as the panel's form would: 422, the contacts page saying why in the panel's words (not a 502 "WeChat said").
      const csrf = (await page.getAttribute('input[name=_csrf]', 'value'))!;
      const remark = await page.request.post(`${panel}/accounts/${encodeURIComponent(account)}/contacts/${encodeURIComponent(owner)}/remark`, {
        form: { _csrf: csrf, remark: 'Owner' },
        maxRedirects: 0,
      });
      assert.equal(remark.status(), 422);
      assert.match(
        await remark.text(),
        /cannot do that, so nothing was changed\. No friend requests, remarks or pins: nobody can add an iLink bot as a friend\./,
      );
      assert.deepEqual(problems, []);
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0, err);
    });
  },
);
