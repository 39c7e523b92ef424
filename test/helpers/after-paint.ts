import type { Page } from 'playwright-core';

/**
 * Resolves once the page has painted two frames. Headless Chromium refused one full-page capture asked
 * for right after a viewport change and a navigation ("Page.captureScreenshot: Unable to capture
 * screenshot", once, in phone-width on a quiet machine; not reproduced). The likely cause is a capture
 * that reaches the compositor before it has a frame of the new size: wait for that frame, do not retry.
 */
export async function afterPaint(page: Page): Promise<void> {
  await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))');
}
