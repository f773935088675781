/**
 * Debian's chromium driven by playwright-core (nothing downloads a browser): `.ci/run` installs
 * it with a CJK font, and a browser test fails, never skips, when either is missing.
 */
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { requireFiles, requireTools } from './debian.js';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  requireTools(CHROMIUM);
  // The console is Chinese first: its text must render (screenshots are kept for review).
  requireFiles('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc');
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
