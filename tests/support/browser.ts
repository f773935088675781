/**
 * Debian's chromium driven by playwright-core (nothing downloads a browser): `.ci/run` installs
 * it, and a browser test fails, never skips, when it is missing.
 */
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { requireTools } from './debian.js';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  requireTools(CHROMIUM);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
