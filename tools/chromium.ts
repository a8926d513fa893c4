/**
 * Headless Chromium for rendering reports (the screenshot tool, the browser test): the Debian package's
 * binary driven by playwright-core, with the flags a root user on a closed network needs.
 *
 * @module
 */

import type { Browser } from "playwright-core";

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Launches headless Chromium: no sandbox (as root), no GPU, and nothing that reaches for the network
 * (background networking, component updates, sync, the first-run page).
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
