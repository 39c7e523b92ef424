/** Chromium for the cluster's panel tests: where it is, how it is started, and the screenshots they take. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { screenshot } from '../../helpers/screenshot.js';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'];
const SHOTS = join('test-output', 'screenshots');

/**
 * `page` at 1366 and 390 px, checking it never scrolls sideways at either; screenshots (`test-output/screenshots/<name>-<width>.png`)
 * with TEST_SCREENSHOTS=1. Back at 1366 px after.
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  for (const width of [1366, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const sideways = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.ok(sideways <= 0, `${name} at ${width} px scrolls sideways by ${sideways} px`);
    await screenshot(page, join(SHOTS, `${name}-${width}.png`));
  }
  await page.setViewportSize({ width: 1366, height: 900 });
}
