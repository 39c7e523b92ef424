/**
 * A browser tab that closes while it follows the panel's server-sent events is a client going
 * away, not a server fault: the real server (src/main.ts) logs it at debug, never as an ERROR.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startServerStack, type ServerStack } from './helpers/panel-stack.js';
import { captureLog } from '../helpers/log-capture.js';
import { waitUntil } from '../../src/testing/wait.js';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PASSWORD = 'the admin password';

describe('server-sent events and closed tabs', () => {
  let stack: ServerStack | undefined;
  after(async () => {
    await stack?.close();
  });

  it('closing a tab that follows /events and /accounts/:id/events logs no ERROR line', async () => {
    const captured = captureLog('debug');
    stack = await startServerStack({ env: { ADMIN_PASSWORD: PASSWORD }, log: captured.log });
    const account = (await stack.manager.add('Shop front')).id;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${stack.url}/login`);
      await page.fill('input[name=username]', 'admin');
      await page.fill('input[name=password]', PASSWORD);
      await Promise.all([page.waitForURL(/\/accounts/), page.click('#login-submit')]);
      const streams = ['/events', `/accounts/${account}/events`];
      for (const path of streams) {
        const tab = await context.newPage();
        const opened = tab.waitForResponse((r) => new URL(r.url()).pathname === path);
        await tab.goto(`${stack.url}${path === '/events' ? '/accounts' : `/accounts/${account}/login`}`);
        assert.equal((await opened).status(), 200, path);
        await tab.close();
      }
      const gone = (): number => captured.records().filter((r) => r.msg === 'client went away before the answer ended' || r.level >= 50).length;
      await waitUntil(() => gone() >= streams.length, 10_000, 'the server to see both streams end');
      const errors = captured.records().filter((r) => r.level >= 50);
      assert.deepEqual(
        errors.map((r) => r.msg),
        [],
      );
    } finally {
      await browser.close();
    }
  });
});
