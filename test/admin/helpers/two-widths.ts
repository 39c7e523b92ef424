/** Screenshots of a panel page at the desktop and the phone width the panel is checked at. */
import type { Page } from 'playwright-core';
import { afterPaint } from '../../helpers/after-paint.js';

/**
 * Full-page screenshots of the page as it is now at 1366 px (`${stem}-1366.png`) and 390 px (`${stem}-390.png`).
 * Resolves with the page's width at 390 px; the viewport is left at 390 px, for more checks there.
 *
 * @example
 *   const wide = await shotsAtTwoWidths(page, join(SHOTS, `rules-error-${locale}`));
 *   await page.setViewportSize({ width: 1366, height: 900 });
 *   assert.ok(wide <= 390);
 */
export async function shotsAtTwoWidths(page: Page, stem: string): Promise<number> {
  await page.setViewportSize({ width: 1366, height: 900 });
  await afterPaint(page);
  await page.screenshot({ path: `${stem}-1366.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await afterPaint(page);
  await page.screenshot({ path: `${stem}-390.png`, fullPage: true });
  return Number(await page.evaluate('document.documentElement.scrollWidth'));
}
