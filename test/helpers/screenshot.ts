/**
 * Screenshots of the pages the browser tests drive, for people to look at before and after a change; nothing asserts
 * on them. Encoding full-page PNGs is a large share of a browser test's time, so they are taken only when asked for:
 * `TEST_SCREENSHOTS=1` (docs/testing.md). The checks beside them (widths, overflow, what is visible) run either way.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Page } from 'playwright-core';
import { afterPaint } from './after-paint.js';

/** Whether this run writes screenshots (`TEST_SCREENSHOTS=1`). */
export const SCREENSHOTS = process.env.TEST_SCREENSHOTS === '1';

/** A full-page PNG of `page` as it is now at `path` (its folder made), after the page has painted; nothing without TEST_SCREENSHOTS=1. */
export async function screenshot(page: Page, path: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(dirname(path), { recursive: true });
  await afterPaint(page);
  await page.screenshot({ path, fullPage: true });
}
