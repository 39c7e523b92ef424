/**
 * Contact and group actions that fail come back to the page they were made on, in real Chromium against
 * the server `weiroto start` builds with an account online on the sandbox, in English and Chinese:
 * WeChat's refusal (made by the sandbox's fault API, or a real one: removing members of a group the
 * account does not own) is an error box that says why with nothing changed and what was typed kept;
 * input the panel refuses before asking WeChat (an empty or too long name) is an error beside its field
 * (aria-invalid, aria-describedby); a done action is green. Screenshots of each at 1366 and 390 px go to
 * test-output/screenshots/directory/ (TEST_SCREENSHOTS=1).
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
import { wechatCodeMeaning } from '../../src/admin/wechat-codes.js';

const SHOTS = join('test-output', 'screenshots', 'directory');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'];
const PASSWORD = 'directory actions password';
const DESKTOP = { width: 1366, height: 900 };

describe(
  'contact and group actions that fail keep what was typed and say why (Chromium)',
  { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` },
  () => {
    let online: OnlineAccount;
    let browser: Browser;
    /** The account's groups: their sandbox ids and names, the panel's id, and whether the account owns them. */
    let rooms: { sandboxId: string; topic: string; id: string; owned: boolean }[];
    const pages = new Map<Locale, Page>();
    const problems: string[] = [];

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      online = await startOnlineAccount(PASSWORD);
      const world = (await online.stack.sb.control.state(true)).accounts[0]!;
      // Ids by name now, before the tests rename them (the panel's ids are not the sandbox's).
      rooms = world.rooms.map((r) => ({ sandboxId: r.id, topic: r.topic, id: bot().directory.findRoom(r.topic)!.id, owned: r.owner === world.id }));
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
      for (const locale of ['en', 'zh-CN'] as const) {
        const page = await browser.newPage({ locale: locale === 'en' ? 'en-US' : 'zh-CN', viewport: DESKTOP });
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        page.on('dialog', (d) => void d.accept());
        pages.set(locale, await signIn(page, online.stack.url, PASSWORD));
      }
    });
    after(async () => {
      await browser?.close();
      await online?.stack.close();
    });

    const bot = () => online.stack.manager.get(online.account)!;
    const url = (path: string): string => online.stack.url + path;
    const base = (): string => `/accounts/${encodeURIComponent(online.account)}`;
    const sandboxTopic = async (sandboxId: string): Promise<string | undefined> =>
      (await online.stack.sb.control.state(true)).accounts[0]!.rooms.find((r) => r.id === sandboxId)?.topic;

    /** Submit with `button` and wait for the page that answers it with `status`. */
    const submit = async (page: Page, button: string, status: number): Promise<void> => {
      await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.status() === status), page.click(button)]);
      await page.waitForLoadState('domcontentloaded');
    };

    /** What the page says in its boxes and field errors (why a form did not go through), for a failure's message. */
    const pageSays = async (page: Page): Promise<string> => {
      const said = await page.locator('.flash-box, .field-error').allInnerTexts();
      return said.length ? said.map((s) => s.replace(/\s+/g, ' ').trim()).join(' | ') : `no box; title "${await page.title()}"`;
    };

    /**
     * Submit with `button`, expecting the redirect to a URL that matches `to`. When the answer is a page
     * instead, fail at once with its status and what it says (waiting for the URL would only time out).
     */
    const submitToRedirect = async (page: Page, button: string, to: RegExp): Promise<void> => {
      const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click(button)]);
      if (answer.status() < 300 || answer.status() >= 400) {
        await page.waitForLoadState('domcontentloaded');
        assert.fail(`expected a redirect to ${to}, got ${answer.status()}: ${await pageSays(page)}`);
      }
      await page.waitForURL(to);
    };

    /** The page's one error box: an alert with the cross, the word and `text`. */
    const expectErrorBox = async (page: Page, locale: Locale, text: string): Promise<void> => {
      const boxes = page.locator('.flash-box');
      assert.equal(await boxes.count(), 1, 'one box on the page');
      const box = boxes.first();
      assert.equal(await box.getAttribute('role'), 'alert');
      assert.equal(await box.getAttribute('data-kind'), 'error');
      assert.equal((await box.locator('.flash-kind').innerText()).trim(), translator(locale)('notice.error'));
      assert.equal(await box.locator('.flash-icon').count(), 1);
      assert.equal((await box.locator('p.flash').innerText()).trim(), text);
    };

    /** `control` is refused beside itself: aria-invalid, described by an alert with the cross, the word and `text`. */
    const expectFieldError = async (page: Page, control: string, locale: Locale, text: string): Promise<void> => {
      const field = page.locator(control).first();
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      const id = await field.getAttribute('aria-describedby');
      assert.ok(id, 'the field names its error');
      const error = page.locator(`[id="${id}"]`);
      assert.equal(await error.getAttribute('role'), 'alert');
      assert.equal(await error.locator('.flash-icon').count(), 1);
      assert.equal((await error.locator('.flash-kind').innerText()).trim(), translator(locale)('notice.error'));
      assert.equal((await error.locator('.field-error-text').innerText()).trim(), text);
      assert.equal(await page.locator('.flash-box').count(), 0, 'no box: the field says it');
    };

    const expectSuccess = async (page: Page, locale: Locale, key: string): Promise<void> => {
      const box = page.locator('.flash-box');
      assert.equal(await box.getAttribute('data-kind'), 'success');
      assert.equal(await box.getAttribute('role'), 'status');
      assert.equal((await box.locator('p.flash').innerText()).trim(), translator(locale)(key));
    };

    /** The page as it is now at 1366 and 390 px; at 390 px nothing may be wider than the screen. */
    const shots = async (page: Page, name: string, locale: Locale): Promise<void> => {
      const wide = await shotsAtTwoWidths(page, join(SHOTS, `${name}-${locale}`));
      await page.setViewportSize(DESKTOP);
      assert.ok(wide <= 390, `${name} (${locale}) is ${wide} px wide at 390 px`);
    };

    for (const [index, locale] of (['en', 'zh-CN'] as const).entries()) {
      const t = translator(locale);
      const page = (): Page => pages.get(locale)!;

      it(`rename (${locale}): WeChat refuses → same page, error box, the typed name kept, nothing changed; no name → field error; renamed → green`, async () => {
        const p = page();
        const { topic, id, sandboxId } = rooms[index]!;
        await p.goto(url(`${base()}/rooms/${encodeURIComponent(id)}`));
        const typed = locale === 'en' ? 'Weekend hiking club' : '周末徒步俱乐部';
        await p.fill('#topic', typed);
        await online.stack.sb.control.fault({ kind: 'ret-1205', endpoint: 'webwxupdatechatroom' });
        await submit(p, '#rename', 502);
        await expectErrorBox(p, locale, t('op.refused', { what: t('op.rename'), why: wechatCodeMeaning('web', 1205, locale)! }));
        assert.equal(await p.inputValue('#topic'), typed, 'the name as typed');
        assert.equal((await p.innerText('#room-topic')).trim(), topic, 'the page shows the group as it is');
        assert.equal(await sandboxTopic(sandboxId), topic, 'WeChat still has the old name');
        assert.equal(bot().directory.room(id)!.topic, topic, 'the account still has the old name');
        await shots(p, 'room-refused', locale);

        await p.fill('#topic', '   ');
        await submit(p, '#rename', 422);
        await expectFieldError(p, '#topic', locale, t('rooms.topicRequired'));
        assert.equal(await sandboxTopic(sandboxId), topic, 'nothing asked of WeChat');
        await shots(p, 'room-field-error', locale);

        await p.fill('#topic', typed);
        await submitToRedirect(p, '#rename', /flash=flash\.renamed/);
        await expectSuccess(p, locale, 'flash.renamed');
        assert.equal(await sandboxTopic(sandboxId), typed, 'WeChat has the new name');
        await shots(p, 'room-success', locale);
      });

      it(`remark (${locale}): too long → field error with the text kept and nothing sent; WeChat refuses → error box, text kept; saved → green`, async () => {
        const p = page();
        const friend = bot().directory.find(online.friend)!;
        const before = friend.remark ?? '';
        const row = `tr[data-contact="${friend.id}"]`;
        await p.goto(url(`${base()}/contacts`));
        const long = (locale === 'en' ? 'Supplier of green tea;' : '绿茶供应商，').repeat(locale === 'en' ? 4 : 12);
        await p.fill(`${row} input[name=remark]`, long);
        await submit(p, `${row} form.remark button`, 422);
        await expectFieldError(p, `${row} input[name=remark]`, locale, t('op.tooLong', { max: 64, n: [...long].length }));
        assert.equal(await p.inputValue(`${row} input[name=remark]`), long, 'the remark as typed');
        assert.equal(bot().directory.contact(friend.id)!.remark ?? '', before, 'nothing changed');
        await shots(p, 'contacts-field-error', locale);

        const typed = locale === 'en' ? 'Tea supplier' : '茶叶供应商';
        await p.fill(`${row} input[name=remark]`, typed);
        await online.stack.sb.control.fault({ kind: 'ret-1205', endpoint: 'webwxoplog' });
        await submit(p, `${row} form.remark button`, 502);
        const name = friend.remark || friend.name;
        await expectErrorBox(p, locale, t('op.refused', { what: t('op.remark', { name }), why: wechatCodeMeaning('web', 1205, locale)! }));
        assert.equal(await p.inputValue(`${row} input[name=remark]`), typed, 'the remark as typed');
        assert.equal(bot().directory.contact(friend.id)!.remark ?? '', before, 'nothing changed');
        await shots(p, 'contacts-refused', locale);

        await submitToRedirect(p, `${row} form.remark button`, /flash=flash\.saved/);
        await expectSuccess(p, locale, 'flash.saved');
        await eventually(() => bot().directory.contact(friend.id)?.remark === typed, 10_000, 'the remark saved');
        assert.equal(await p.inputValue(`${row} input[name=remark]`), typed);
        await shots(p, 'contacts-success', locale);
      });

      it(`members (${locale}): WeChat refuses an invite → the picks kept; removing from a group not owned → only the owner can, ticks kept; nothing ticked → field error`, async () => {
        const p = page();
        const notOwned = rooms.find((r) => !r.owned);
        assert.ok(notOwned, 'the sandbox world has a group the account does not own');
        const id = notOwned.id;
        await p.goto(url(`${base()}/rooms/${encodeURIComponent(id)}`));
        const picks = (
          (await p.locator('#invite-members option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value))) as string[]
        ).slice(0, 2);
        assert.equal(picks.length, 2, 'two friends to invite');
        await p.selectOption('#invite-members', picks);
        await online.stack.sb.control.fault({ kind: 'ret-1205', endpoint: 'webwxupdatechatroom' });
        await submit(p, '#invite', 502);
        await expectErrorBox(p, locale, t('op.refused', { what: t('op.invite'), why: wechatCodeMeaning('web', 1205, locale)! }));
        const selected = (await p
          .locator('#invite-members option:checked')
          .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value))) as string[];
        assert.deepEqual(selected, picks, 'the friends as picked');
        assert.ok(
          !bot()
            .directory.room(id)!
            .members.some((m) => picks.includes(m.id)),
          'nobody invited',
        );
        await shots(p, 'room-invite-refused', locale);

        const ticked = bot()
          .directory.room(id)!
          .members.filter((m) => m.id !== bot().info().self?.id)
          .slice(0, 1)
          .map((m) => m.id);
        await p.check(`#members input[value="${ticked[0]}"]`);
        await submit(p, '#remove', 502);
        await expectErrorBox(p, locale, t('op.refused', { what: t('op.remove'), why: t('op.why.notOwner') }));
        assert.equal(await p.isChecked(`#members input[value="${ticked[0]}"]`), true, 'the member still ticked');
        assert.ok(
          bot()
            .directory.room(id)!
            .members.some((m) => m.id === ticked[0]),
          'nobody removed',
        );

        await p.uncheck(`#members input[value="${ticked[0]}"]`);
        await submit(p, '#remove', 422);
        await expectFieldError(p, '#members input[name=member]', locale, t('rooms.pickMembers'));
        assert.deepEqual(problems, []);
      });
    }
  },
);
