/** Sign a Chromium page in to the panel with the password given as ADMIN_PASSWORD (user `admin`). */
import type { Page } from 'playwright-core';

export async function signIn(page: Page, url: string, password: string, username = 'admin'): Promise<Page> {
  await page.goto(`${url}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('#login-submit');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}
