/**
 * The panel tells errors from successes, in real Chromium against the server `weiroto start` builds with an
 * account online on the sandbox, in English and Chinese: on each main page a refusal shows as an error (role
 * alert, red, a cross and the word "Error") and keeps what was typed, and a done change as a success (role
 * status, green, a tick and "Done"); info and warning look their own; a key the panel never sets shows
 * nothing. Screenshots of each at 1366 and 390 px go to test-output/screenshots/flash/ with TEST_SCREENSHOTS=1
 * (no page wider than the phone, checked in every run).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventually, startOnlineAccount, type OnlineAccount } from './helpers/panel-stack.js';
import { signIn } from './helpers/sign-in.js';
import { shotsAtTwoWidths } from './helpers/two-widths.js';
import { translator, type Locale } from '../../src/admin/i18n.js';
import type { FlashKind } from '../../src/admin/flash.js';

const SHOTS = join('test-output', 'screenshots', 'flash');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'];
const PASSWORD = 'flash kinds password';
const DESKTOP = { width: 1366, height: 900 };

/** What the page's one flash box says about itself. */
interface Box {
  kind: string | null;
  role: string | null;
  className: string | null;
  word: string;
  text: string;
}

async function flashBox(page: Page): Promise<Box> {
  const boxes = page.locator('.flash-box');
  assert.equal(await boxes.count(), 1, 'one message on the page');
  const box = boxes.first();
  return {
    kind: await box.getAttribute('data-kind'),
    role: await box.getAttribute('role'),
    className: await box.getAttribute('class'),
    word: (await box.locator('.flash-kind').innerText()).trim(),
    text: (await box.locator('p.flash').innerText()).trim(),
  };
}

describe(
  'flash kinds: errors look like errors, successes like successes (Chromium)',
  { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` },
  () => {
    let online: OnlineAccount;
    let browser: Browser;
    const pages = new Map<Locale, Page>();
    const problems: string[] = [];

    /** The page's one flash box is of `kind` (role, class, word in the page's language) and says `text`. */
    const expectFlash = async (page: Page, locale: Locale, kind: FlashKind, text: string): Promise<void> => {
      const t = translator(locale);
      assert.deepEqual(await flashBox(page), {
        kind,
        role: kind === 'error' ? 'alert' : 'status',
        className: `flash-box flash-${kind}`,
        word: t(`notice.${kind}`),
        text,
      });
    };

    /** Submit with `button`; the form comes back refused (422) with its error box, whose message `#id` says `text`. */
    const refused = async (page: Page, button: string, id: string, locale: Locale, text: string): Promise<void> => {
      await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.status() === 422), page.click(button)]);
      await page.waitForSelector(`#${id}`);
      await expectFlash(page, locale, 'error', text);
    };

    /** The page as it is now at 1366 and 390 px; at 390 px nothing may be wider than the screen. */
    const shots = async (page: Page, name: string, locale: Locale): Promise<void> => {
      const wide = await shotsAtTwoWidths(page, join(SHOTS, `${name}-${locale}`));
      const box = await page.locator('.flash-box').boundingBox();
      await page.setViewportSize(DESKTOP);
      assert.ok(wide <= 390, `${name} (${locale}) is ${wide} px wide at 390 px`);
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${name} (${locale}): the message box fits the phone (${JSON.stringify(box)})`);
    };

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      online = await startOnlineAccount(PASSWORD);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
      for (const locale of ['en', 'zh-CN'] as const) {
        const page = await browser.newPage({ locale: locale === 'en' ? 'en-US' : 'zh-CN', viewport: DESKTOP });
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        pages.set(locale, await signIn(page, online.stack.url, PASSWORD));
      }
    });
    after(async () => {
      await browser?.close();
      await online?.stack.close();
    });

    for (const locale of ['en', 'zh-CN'] as const) {
      const t = translator(locale);
      const page = (): Page => pages.get(locale)!;
      const url = (path: string): string => online.stack.url + path;
      const base = (): string => `/accounts/${encodeURIComponent(online.account)}`;

      it(`messages (${locale}): a send to nobody is an error that keeps the text; a queued one is a success`, async () => {
        const p = page();
        await p.goto(url(`${base()}/messages`));
        assert.equal(await p.getAttribute('html', 'lang'), locale);
        const text = `where is my order? (${locale})`;
        await p.fill('#send-chat', 'Nobody Anywhere');
        await p.fill('#send-text', text);
        await refused(p, '#send-submit', 'send-error', locale, t('messages.unknownChat', { name: 'Nobody Anywhere' }));
        assert.equal(await p.inputValue('#send-chat'), 'Nobody Anywhere', 'the recipient as typed');
        assert.equal(await p.inputValue('#send-text'), text, 'the text as typed');
        await shots(p, 'messages-error', locale);

        await p.fill('#send-chat', online.friend);
        await Promise.all([p.waitForURL(/flash=flash\.queued/), p.click('#send-submit')]);
        await expectFlash(p, locale, 'success', t('flash.queued'));
        await shots(p, 'messages-success', locale);
      });

      it(`plugin settings (${locale}): a refused value is an error that keeps what was typed; a save is a success`, async () => {
        const p = page();
        await p.goto(url(`${base()}/plugins/schedule`));
        await p.fill('#f-timezone', 'Mars/Base');
        await refused(p, '#plugin-save', 'form-refused', locale, t('form.refused'));
        assert.equal(await p.inputValue('#f-timezone'), 'Mars/Base', 'the value as typed');
        assert.ok((await p.locator('.field[data-field="timezone"] .field-error').innerText()).trim(), 'the reason beside the field');
        await shots(p, 'plugin-error', locale);

        await p.fill('#f-timezone', 'Asia/Shanghai');
        await Promise.all([p.waitForURL(/flash=flash\.saved/), p.click('#plugin-save')]);
        await expectFlash(p, locale, 'success', t('flash.saved'));
        assert.equal(await p.inputValue('#f-timezone'), 'Asia/Shanghai');
        await shots(p, 'plugin-success', locale);
      });

      it(`users (${locale}): a bad name is an error that keeps the name and role; a new user is a success`, async () => {
        const p = page();
        const name = locale === 'en' ? 'carol' : 'chen';
        await p.goto(url('/users'));
        await p.fill('#new-username', `${name} smith!`);
        await p.fill('form[action="/users"] input[name=password]', 'a long enough password');
        await p.selectOption('#new-role', 'operator');
        await refused(p, 'form[action="/users"] button', 'users-error', locale, t('user.badName'));
        assert.equal(await p.inputValue('#new-username'), `${name} smith!`);
        assert.equal(await p.inputValue('#new-role'), 'operator');
        assert.equal(await p.inputValue('form[action="/users"] input[name=password]'), '', 'a password is never sent back');
        await shots(p, 'users-error', locale);

        await p.fill('#new-username', name);
        await p.fill('form[action="/users"] input[name=password]', 'a long enough password');
        await Promise.all([p.waitForURL(/flash=flash\.saved/), p.click('form[action="/users"] button')]);
        await expectFlash(p, locale, 'success', t('flash.saved'));
        assert.equal(await p.locator('#users tr', { hasText: name }).locator('select[name=role]').inputValue(), 'operator');
        await shots(p, 'users-success', locale);
      });

      it(`webhooks (${locale}): a URL that is not http(s) is an error that keeps the form, on the list and on an endpoint; a test is a success`, async () => {
        const p = page();
        await p.goto(url('/webhooks'));
        await p.fill('#webhook-url', 'ftp://127.0.0.1/hook');
        await p.fill('#webhook-form input[name=description]', `orders ${locale}`);
        await p.check('#webhook-form input[name=eventTypes][value="message.received"]');
        await p.fill('#webhook-form textarea[name=keywords]', 'order\nrefund');
        await refused(p, '#webhook-add', 'webhook-problem', locale, t('webhooks.badUrl'));
        assert.equal(await p.inputValue('#webhook-url'), 'ftp://127.0.0.1/hook');
        assert.equal(await p.inputValue('#webhook-form input[name=description]'), `orders ${locale}`);
        assert.equal(await p.isChecked('#webhook-form input[name=eventTypes][value="message.received"]'), true);
        assert.equal(await p.isChecked('#webhook-form input[name=eventTypes][value="message.sent"]'), false);
        assert.equal(await p.inputValue('#webhook-form textarea[name=keywords]'), 'order\nrefund');
        await shots(p, 'webhooks-error', locale);

        await p.fill('#webhook-url', 'http://127.0.0.1:9/hook');
        await Promise.all([p.waitForSelector('#new-secret'), p.click('#webhook-add')]);
        await p
          .locator('#endpoints tr', { hasText: `orders ${locale}` })
          .locator('a')
          .click();
        await p.waitForURL(/\/webhooks\/[^/?]+$/);
        // An edit refused the same way keeps what was typed there too.
        await p.fill('#webhook-url', 'mailto:ops@example.com');
        await refused(p, '#webhook-form button', 'webhook-problem', locale, t('webhooks.badUrl'));
        assert.equal(await p.inputValue('#webhook-url'), 'mailto:ops@example.com');
        assert.equal(await p.inputValue('#webhook-form input[name=description]'), `orders ${locale}`);

        await Promise.all([p.waitForURL(/flash=flash\.testQueued/), p.click('#webhook-test')]);
        await expectFlash(p, locale, 'success', t('flash.testQueued'));
        await shots(p, 'webhook-success', locale);
      });

      it(`account pages (${locale}): a code the account did not ask for is an error; stop and start are successes`, async () => {
        const p = page();
        // A login page left open after WeChat stopped asking for a code: its form is still there, hidden.
        await p.goto(url(`${base()}/login`));
        await Promise.all([
          p.waitForURL(/flash=flash\.noVerifyCode/),
          p.evaluate(`(() => { const f = document.getElementById('verify-code'); f.elements.code.value = '123456'; f.submit(); })()`),
        ]);
        await expectFlash(p, locale, 'error', t('flash.noVerifyCode'));
        await shots(p, 'login-error', locale);

        await p.goto(url('/accounts'));
        await Promise.all([p.waitForURL(/flash=flash\.stopped/), p.click(`form[action="${base()}/stop"] button`)]);
        await expectFlash(p, locale, 'success', t('flash.stopped'));
        await shots(p, 'accounts-success', locale);

        await p.goto(url(base()));
        await Promise.all([p.waitForURL(/flash=flash\.started/), p.click(`form[action="${base()}/start"] button`)]);
        await expectFlash(p, locale, 'success', t('flash.started'));
        await shots(p, 'dashboard-success', locale);
        await eventually(() => online.stack.manager.get(online.account)?.info().state === 'online', 20_000, 'online again');
        await eventually(() => online.stack.manager.get(online.account)?.directory.find(online.friend), 10_000, 'the friend known again');
      });

      it(`each kind looks its own (${locale}): colour, icon and word; a key the panel never sets shows nothing`, async () => {
        const p = page();
        const looks = new Map<string, string>();
        for (const [kind, key] of [
          ['success', 'flash.saved'],
          ['info', 'flash.retryBusy'],
          ['warning', 'flash.holderLate'],
          ['error', 'flash.holderSilent'],
        ] as const) {
          await p.goto(url(`${base()}/login?flash=${key}`));
          await expectFlash(p, locale, kind, t(key));
          const look = (await p.evaluate(
            `(() => { const b = document.querySelector('.flash-box'); const s = getComputedStyle(b); return [s.backgroundColor, s.borderLeftColor, getComputedStyle(b.querySelector('.flash-kind')).color, b.querySelector('.flash-icon').innerHTML].join(' | '); })()`,
          )) as string;
          looks.set(kind, look);
          if (kind === 'warning') await shots(p, 'warning', locale);
        }
        const parts = (i: number): Set<string> => new Set([...looks.values()].map((l) => l.split(' | ')[i] ?? ''));
        assert.equal(parts(0).size, 4, `four backgrounds: ${[...parts(0)].join(', ')}`);
        assert.equal(parts(1).size, 4, 'four bar colours');
        assert.equal(parts(2).size, 4, 'four word colours');
        assert.equal(parts(3).size, 4, 'four icons');
        for (const forged of ['flash.nonsense', 'Your account is suspended', 'constructor']) {
          await p.goto(url(`/accounts?flash=${encodeURIComponent(forged)}`));
          assert.equal(await p.locator('.flash-box').count(), 0, `?flash=${forged} shows nothing`);
        }
        assert.deepEqual(problems, []);
      });
    }
  },
);
