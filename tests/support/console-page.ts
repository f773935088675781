/**
 * Helpers for the console's browser tests: the two viewports (a phone at 390×844 with touch, and
 * a desktop), screenshots kept in artifacts/screenshots/ (git-ignored, outside the test run's
 * temporary folder, so they stay for review), a watch on script errors and CSP refusals, and the
 * Element Plus widgets the tests drive (confirm boxes, selects).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

export const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'artifacts', 'screenshots');

export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
} satisfies BrowserContextOptions;

export const DESKTOP = {
  viewport: { width: 1366, height: 768 },
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
} satisfies BrowserContextOptions;

const SIZES = { phone: PHONE.viewport, desktop: DESKTOP.viewport } as const;

/** A context and page whose script errors and CSP refusals are gathered in `problems`. */
export async function openPage(
  browser: Browser,
  opts: BrowserContextOptions,
): Promise<{ ctx: BrowserContext; page: Page; problems: string[] }> {
  const ctx = await browser.newContext({ acceptDownloads: true, ...opts });
  const page = await ctx.newPage();
  // A missing element fails the step that waits for it, not the whole test's time.
  page.setDefaultTimeout(20_000);
  const problems = watch(page);
  return { ctx, page, problems };
}

export function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
  // Script errors and CSP refusals; not failed requests the page expects (a 401 before login).
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      problems.push(`${page.url()}: ${m.text()}`);
  });
  return problems;
}

/** Screenshots of the page as it is now, at the phone's size and the desktop's. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize();
  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport);
    // Charts and tables re-lay out on resize.
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${size}.png`), fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}

/** Answers the open Element Plus confirm box with its primary button. */
export async function confirmBox(page: Page): Promise<void> {
  const box = page.locator('.el-message-box');
  await box.waitFor();
  await box.locator('.el-message-box__btns .el-button--primary').click();
  await box.waitFor({ state: 'hidden' });
}

/** Picks an option of an Element Plus select by its visible text. */
export async function pick(page: Page, select: string, option: string | RegExp): Promise<void> {
  await page.locator(select).click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: option }).first().click();
}
