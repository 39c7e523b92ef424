/**
 * A refused field says so the way the error flash does (partials/field-error.ejs), in real Chromium
 * against the server `weiroto start` builds, in English and Chinese: the rules JSON of auto-reply and a
 * plugin setting (schedule's time zone) get an alert under the field with the flash's cross icon, its
 * word and its colour, and the field is marked aria-invalid and names that alert with aria-describedby.
 * Screenshots at 1366 and 390 px go to test-output/screenshots/field-errors/ (TEST_SCREENSHOTS=1).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startOnlineAccount, type OnlineAccount } from './helpers/panel-stack.js';
import { signIn } from './helpers/sign-in.js';
import { shotsAtTwoWidths } from './helpers/two-widths.js';
import { translator, type Locale } from '../../src/admin/i18n.js';

const SHOTS = join('test-output', 'screenshots', 'field-errors');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'];
const PASSWORD = 'field errors password';
const DESKTOP = { width: 1366, height: 900 };
/** The error flash's colour (--bad in public/admin.css). */
const BAD = 'rgb(198, 40, 40)';

/** How an error reads on the page: its role, its word, the word's colour and the icon's drawing. */
async function looks(page: Page, selector: string): Promise<{ role: string | null; word: string; colour: string; icon: string }> {
  const el = page.locator(selector);
  return {
    role: await el.getAttribute('role'),
    word: (await el.locator('.flash-kind').innerText()).trim(),
    colour: String(
      await el.locator('.flash-kind').evaluate((w) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(w).color),
    ),
    icon: await el.locator('.flash-icon').innerHTML(),
  };
}

/** The field is marked refused and names `errorId` among what describes it. */
async function expectMarked(page: Page, field: string, errorId: string): Promise<void> {
  assert.equal(await page.getAttribute(field, 'aria-invalid'), 'true');
  assert.ok((await page.getAttribute(field, 'aria-describedby'))?.split(' ').includes(errorId), `${field} is described by #${errorId}`);
}

describe('field errors look like the error flash (Chromium)', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, () => {
  let online: OnlineAccount;
  let browser: Browser;
  const problems: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    online = await startOnlineAccount(PASSWORD);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await online?.stack.close();
  });

  for (const locale of ['en', 'zh-CN'] as const satisfies readonly Locale[]) {
    const t = translator(locale);
    const base = (): string => `${online.stack.url}/accounts/${encodeURIComponent(online.account)}`;
    const open = async (): Promise<Page> => {
      const page = await browser.newPage({ locale: locale === 'en' ? 'en-US' : 'zh-CN', viewport: DESKTOP });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      return signIn(page, online.stack.url, PASSWORD);
    };
    const phoneFits = async (page: Page, name: string): Promise<void> => {
      const wide = await shotsAtTwoWidths(page, join(SHOTS, `${name}-${locale}`));
      await page.setViewportSize(DESKTOP);
      assert.ok(wide <= 390, `${name} (${locale}) is ${wide} px wide at 390 px`);
    };

    it(`plugin settings (${locale}): the refused time zone has the flash's icon, word and colour under it, and is marked and linked to it`, async () => {
      const page = await open();
      await page.goto(`${base()}/plugins/schedule`);
      await page.fill('#f-timezone', 'Mars/Base');
      await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.status() === 422), page.click('#plugin-save')]);
      await page.waitForSelector('#f-timezone-error');
      await expectMarked(page, '#f-timezone', 'f-timezone-error');
      const field = await looks(page, '#f-timezone-error');
      assert.deepEqual(field, { ...(await looks(page, '.flash-box')), role: 'alert' }, 'the same word, colour and icon as the error box above');
      assert.deepEqual({ word: field.word, colour: field.colour }, { word: t('notice.error'), colour: BAD });
      assert.ok((await page.innerText('#f-timezone-error .field-error-text')).trim(), 'the reason');
      assert.equal(await page.inputValue('#f-timezone'), 'Mars/Base', 'the value as typed');
      await phoneFits(page, 'plugin-field-error');
      await page.close();
    });

    it(`rules JSON (${locale}): JSON that does not parse gets the error alert with icon, word and colour, the text kept, the field marked and linked; where and why in the page's language`, async () => {
      const page = await open();
      await page.goto(`${base()}/plugins/auto-reply/rules`);
      // A comma after the last reply, on the third line.
      const typed = '[\n  {"pattern": "hi",\n   "replies": [{"text": "hello"},]}\n]';
      await page.fill('#rules-json', typed);
      await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.status() === 422), page.click('#rules-save')]);
      await page.waitForSelector('#rules-json + #rules-problems');
      await expectMarked(page, '#rules-json', 'rules-problems');
      const box = await looks(page, '#rules-problems');
      assert.deepEqual({ role: box.role, word: box.word, colour: box.colour }, { role: 'alert', word: t('notice.error'), colour: BAD });
      assert.match(box.icon, /<circle/, 'the error cross in its circle');
      assert.equal(await page.locator('#rules-problems li').count(), 1, 'one problem listed');
      assert.equal(await page.inputValue('#rules-json'), typed, 'the JSON as typed');
      const reason = (await page.innerText('#rules-problems li')).trim();
      assert.equal(
        reason,
        t('form.badJson', { line: 3, column: 33 }) + t('json.trailingComma', { found: ']' }),
        'the line, the column and what to do, in the page’s language',
      );
      assert.doesNotMatch(reason, /Unexpected|is not valid JSON|position/, 'not the JS engine’s message');
      await phoneFits(page, 'rules-error');
      await page.close();
      assert.deepEqual(problems, []);
    });
  }
});
