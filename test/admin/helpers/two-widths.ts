/** A panel page at the desktop and the phone width the panel is checked at, with screenshots when asked for (TEST_SCREENSHOTS=1). */
import type { Page } from 'playwright-core';
import { afterPaint } from '../../helpers/after-paint.js';
import { screenshot } from '../../helpers/screenshot.js';

/**
 * The page as it is now at 1366 px and at 390 px, with full-page screenshots at each (`${stem}-1366.png`, `${stem}-390.png`)
 * when TEST_SCREENSHOTS=1.
 * Resolves with the page's width at 390 px; the viewport is left at 390 px, for more checks there.
 *
 * @example
 *   const wide = await shotsAtTwoWidths(page, join(SHOTS, `rules-error-${locale}`));
 *   await page.setViewportSize({ width: 1366, height: 900 });
 *   assert.ok(wide <= 390);
 */
export async function shotsAtTwoWidths(page: Page, stem: string): Promise<number> {
  // A frame at each width before it is looked at, screenshots or not: measured at once after the resize, without the
  // screenshots' paints in between, the account page read 573 px wide at 390 px twice in a loaded whole-suite run.
  await page.setViewportSize({ width: 1366, height: 900 });
  await afterPaint(page);
  await screenshot(page, `${stem}-1366.png`);
  await page.setViewportSize({ width: 390, height: 844 });
  await afterPaint(page);
  await screenshot(page, `${stem}-390.png`);
  return Number(await page.evaluate('document.documentElement.scrollWidth'));
}
