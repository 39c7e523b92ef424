/** A panel page at the desktop and the phone width the panel is checked at, with screenshots when asked for (TEST_SCREENSHOTS=1). */
import type { Page } from 'playwright-core';
import { afterPaint } from '../../helpers/after-paint.js';
import { screenshot } from '../../helpers/screenshot.js';

/** The two widths every panel page is checked at, and the heights they are shown with. */
export const DESKTOP = { width: 1366, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;
export type Width = typeof DESKTOP.width | typeof PHONE.width;

/** How wide the page's content is: above the viewport's width, the page scrolls sideways. */
export function pageWidth(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth') as Promise<number>;
}

/**
 * `look` at the page at the width it has, then at the other one after a resize and a painted frame; the page is left
 * there, so the next page loads at it. One load a page checks both widths: a load at each width cost twice the loads.
 */
export async function atBothWidths(page: Page, look: (width: Width) => Promise<void>): Promise<void> {
  const phoneFirst = page.viewportSize()?.width === PHONE.width;
  await look(phoneFirst ? PHONE.width : DESKTOP.width);
  const other = phoneFirst ? DESKTOP : PHONE;
  await page.setViewportSize(other);
  await afterPaint(page);
  await look(other.width);
}

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
  await page.setViewportSize(DESKTOP);
  await afterPaint(page);
  await screenshot(page, `${stem}-1366.png`);
  await page.setViewportSize(PHONE);
  await afterPaint(page);
  await screenshot(page, `${stem}-390.png`);
  return pageWidth(page);
}
