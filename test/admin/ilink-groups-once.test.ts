/**
 * The groups page of an iLink account (no groups) in real Chromium, in English and Chinese: it says there are
 * none once. Before, it said so three times: the account's capability note under its menu, the page's own note,
 * and, after a group action posted anyway (an old tab, a bookmark), the error box with the same reason. Now the
 * page's note alone, or after a refused action the error box alone (which says why nothing was changed).
 * Screenshots at 1366 and 390 px go to test-output/screenshots/ilink-groups/ (TEST_SCREENSHOTS=1).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServerStack, type ServerStack } from './helpers/panel-stack.js';
import { signIn } from './helpers/sign-in.js';
import { shotsAtTwoWidths } from './helpers/two-widths.js';
import { closedPort } from '../helpers/closed-port.js';
import { translator, type Locale } from '../../src/admin/i18n.js';

const SHOTS = join('test-output', 'screenshots', 'ilink-groups');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'];
const PASSWORD = 'ilink groups password';
const DESKTOP = { width: 1366, height: 900 };

/** How many times the page's visible text says the account has no groups (its own sentence, or the account's note, which says it too). */
async function timesSaid(page: Page, t: ReturnType<typeof translator>): Promise<number> {
  const text = await page.innerText('body');
  return text.split(t('cap.rooms')).length - 1 + (text.split(t('cap.note')).length - 1);
}

describe(
  'the groups page of an iLink account says once that it has none (Chromium)',
  { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` },
  () => {
    let stack: ServerStack;
    let browser: Browser;
    let base: string;
    const problems: string[] = [];

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      // Its login goes nowhere (a closed port on 127.0.0.1): what the page says depends on the transport, not on being online.
      stack = await startServerStack({ env: { ADMIN_PASSWORD: PASSWORD, ILINK_BASE_URL: `http://127.0.0.1:${await closedPort()}` } });
      const bot = await stack.manager.add('bot', { transport: 'ilink' });
      base = `${stack.url}/accounts/${encodeURIComponent(bot.id)}`;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    });
    after(async () => {
      await browser?.close();
      await stack?.close();
    });

    for (const locale of ['en', 'zh-CN'] as const satisfies readonly Locale[]) {
      const t = translator(locale);
      const open = async (): Promise<Page> => {
        const page = await browser.newPage({ locale: locale === 'en' ? 'en-US' : 'zh-CN', viewport: DESKTOP });
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        return signIn(page, stack.url, PASSWORD);
      };
      const fits = async (page: Page, name: string): Promise<void> => {
        const wide = await shotsAtTwoWidths(page, join(SHOTS, `${name}-${locale}`));
        await page.setViewportSize(DESKTOP);
        assert.ok(wide <= 390, `${name} (${locale}) is ${wide} px wide at 390 px`);
      };

      it(`(${locale}) the page's note says it, once; the account's other pages keep the account's note`, async () => {
        const page = await open();
        await page.goto(`${base}/rooms`);
        assert.equal(await timesSaid(page, t), 1, 'said once');
        assert.equal(await page.isVisible('[data-capability-off="rooms"]'), true, 'by the page’s note');
        await fits(page, 'groups');
        await page.goto(`${base}/contacts`);
        assert.equal(await page.isVisible('#capability-note'), true, 'the contacts page keeps the account’s note');
        await page.close();
      });

      it(`(${locale}) a rename posted anyway: the error box says why nothing was changed, and nothing else says it again`, async () => {
        const page = await open();
        await page.goto(`${base}/rooms`);
        // The form of an old tab: the panel offers none on iLink.
        await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST' && r.status() === 422),
          page.evaluate(
            ([action, csrf]) => {
              const doc = (
                globalThis as unknown as {
                  document: {
                    createElement(n: string): Record<string, unknown> & { submit(): void; appendChild(c: unknown): void };
                    body: { appendChild(c: unknown): void };
                  };
                }
              ).document;
              const form = doc.createElement('form');
              Object.assign(form, { method: 'post', action });
              for (const [name, value] of [
                ['_csrf', csrf],
                ['topic', 'Family'],
              ] as const) {
                const input = doc.createElement('input');
                Object.assign(input, { type: 'hidden', name, value });
                form.appendChild(input);
              }
              doc.body.appendChild(form);
              form.submit();
            },
            [`${base}/rooms/${encodeURIComponent('@@family')}/rename`, await page.getAttribute('input[name=_csrf]', 'value')] as const,
          ),
        ]);
        await page.waitForSelector('#action-error');
        const box = (await page.innerText('#action-error')).trim();
        assert.equal(box, t('op.unsupported', { what: t('op.rename'), why: t('cap.rooms') }), 'what was not done, and why');
        assert.equal(await timesSaid(page, t), 1, 'said once, by the error box');
        assert.equal(await page.locator('[data-capability-off="rooms"], #capability-note').count(), 0, 'no note besides');
        await fits(page, 'groups-refused');
        await page.close();
        assert.deepEqual(problems, []);
      });
    }
  },
);
