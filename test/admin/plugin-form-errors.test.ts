/**
 * Every refusal of a plugin's settings shows in the panel beside its field, in real Chromium against
 * the server `weiroto start` builds and an account logged in to the sandbox: a job's unknown time
 * zone, a job with no time, a chat the account does not have (schedule form: beside the job's own
 * field in the jobs editor), an unknown rule key
 * with the key probably meant and a file path out of the media folder (auto-reply rules editor).
 * Each refusal is seen at 1366 and 390 px, the forms filled at both; screenshots of each, in English and Chinese, go to
 * test-output/screenshots/ (TEST_SCREENSHOTS=1).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { eventually, startServerStack, type ServerStack } from './helpers/panel-stack.js';
import { signIn } from './helpers/sign-in.js';
import { screenshot } from '../helpers/screenshot.js';
import { atBothWidths, DESKTOP, PHONE } from './helpers/two-widths.js';

const SHOTS = join('test-output', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PASSWORD = 'form errors password';

describe('plugin settings refusals beside their fields (Chromium)', () => {
  let stack: ServerStack;
  let browser: Browser;
  let account = '';
  let room = '';

  async function open(locale: 'en-US' | 'zh-CN', viewport: typeof DESKTOP | typeof PHONE): Promise<Page> {
    return signIn(await browser.newPage({ locale, viewport }), stack.url, PASSWORD);
  }

  /**
   * `shown` (a refusal the page has just drawn at its width) is visible there and at the other width, where the page is
   * left: the next form is filled at that width. One page load a refusal checks it at both widths (a whole run of the
   * forms at each width loaded every page twice), and the forms are still filled and sent at both.
   */
  async function refusalAtBothWidths(page: Page, shown: Locator, stem: string): Promise<void> {
    await atBothWidths(page, async (width) => {
      assert.ok(await shown.isVisible(), `${stem}: the refusal is visible at ${width} px`);
      await screenshot(page, join(SHOTS, `${stem}-${width}.png`));
    });
  }

  /**
   * Fill the schedule form's job editor with one job (adding it when the list is empty), submit, and
   * return the refusal beside `field` (a dotted path such as `jobs.0.timezone`) once it shows.
   */
  async function scheduleRefusal(page: Page, job: Record<string, string>, field: string, timezone = ''): Promise<Locator> {
    await page.goto(`${stack.url}/accounts/${account}/plugins/schedule`);
    if ((await page.locator('#f-jobs li.item').count()) === 0) {
      await page.click('button.item-add[data-list="jobs"]');
      await page.waitForSelector('#f-jobs-0');
    }
    for (const key of ['name', 'text', 'cron', 'at', 'timezone']) await page.fill(`#f-jobs-0-${key}`, job[key] ?? '');
    await page.fill('#f-jobs-0-to', job.to ?? '');
    await page.fill('#f-timezone', timezone);
    await page.click('#plugin-save');
    const error = page.locator(`.field[data-field="${field}"] .field-error`);
    await error.waitFor();
    return error;
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startServerStack({ sandbox: { autoScanMs: 10, autoConfirmMs: 10 }, env: { ADMIN_PASSWORD: PASSWORD } });
    const bot = await stack.manager.add('shop');
    account = bot.id;
    await eventually(() => bot.info().state === 'online', 15_000, 'online');
    room = (await stack.sb.control.state(true)).accounts[0]!.rooms[0]!.topic;
    await eventually(() => bot.directory.findRoom(room), 10_000, 'directory');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'] });
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  for (const [locale, lang] of [
    ['en-US', 'en'],
    ['zh-CN', 'zh'],
  ] as const) {
    it(`schedule and auto-reply refusals sit beside their fields (${lang}, ${DESKTOP.width} and ${PHONE.width} px)`, async () => {
      // Started at the desktop width in English, at the phone's in Chinese: the rules form (after an even number of
      // width changes) is sent at each width once.
      const page = await open(locale, lang === 'en' ? DESKTOP : PHONE);
      const job = { name: 'daily', to: room, text: 'good morning', cron: '0 9 * * *' };
      // Each refusal in the page's language (the plugins' phrase books), with the data as typed.
      const said =
        lang === 'en'
          ? {
              zone: /unknown time zone/,
              cron: /a job needs a cron expression \(repeating\) or an at time \(once\)/,
              to: /no group or contact "Nobody Anywhere"/,
              cooldown: /rules\.0\.cooldown: unknown setting "cooldown" \(did you mean "cooldownSeconds"\?\)/,
              outside: /rules\.1\.replies\.0\.source: "\.\.\/weiroto\.db" leads out of the media folder/,
            }
          : {
              zone: /不认识的时区/,
              cron: /任务需要 cron 表达式（重复）或一个时间点（一次）/,
              to: /本账号里没有叫“Nobody Anywhere”的群聊或联系人/,
              cooldown: /rules\.0\.cooldown: 没有名为“cooldown”的设置（是不是“cooldownSeconds”？）/,
              outside: /rules\.1\.replies\.0\.source: “\.\.\/weiroto\.db”指向媒体目录之外/,
            };
      const refusals: [Record<string, string>, string, string, RegExp][] = [
        [{ ...job, timezone: 'Mars/Base' }, 'jobs.0.timezone', '', said.zone],
        [job, 'timezone', 'Mars/Base', said.zone],
        [{ ...job, cron: '' }, 'jobs.0.cron', '', said.cron],
        [{ ...job, to: 'Nobody Anywhere' }, 'jobs.0.to', '', said.to],
      ];
      for (const [i, [typed, field, timezone, text]] of refusals.entries()) {
        const refusal = await scheduleRefusal(page, typed, field, timezone);
        assert.match(await refusal.innerText(), text);
        await refusalAtBothWidths(page, refusal, `form-errors-schedule-${lang}-${i}`);
      }

      await page.goto(`${stack.url}/accounts/${account}/plugins/auto-reply/rules`);
      const rules = [
        { pattern: 'hi', replies: [{ text: 'hello' }], cooldown: 60 },
        { pattern: 'pic', replies: [{ type: 'image', source: '../weiroto.db' }] },
      ];
      await page.fill('#rules-json', JSON.stringify(rules, null, 2));
      await page.click('#rules-save');
      const problems = page.locator('#rules-json + #rules-problems');
      await problems.waitFor();
      const text = await problems.innerText();
      assert.match(text, said.cooldown);
      assert.match(text, said.outside);
      await refusalAtBothWidths(page, problems, `form-errors-rules-${lang}`);
      assert.equal(
        stack.manager
          .plugins(account)!
          .list()
          .find((p) => p.name === 'schedule')!.enabled,
        false,
        'nothing was switched on or saved',
      );
      assert.deepEqual(
        (
          stack.manager
            .plugins(account)!
            .list()
            .find((p) => p.name === 'auto-reply')!.config as { rules: unknown[] }
        ).rules,
        [],
      );
      await page.close();
    });
  }
});
