/**
 * Screenshots a report page with headless Chromium: `deno task screenshot runs/latest/index.html out.png`.
 *
 * @module
 */
const { chromium } = await import("playwright-core");
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
});
const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
if (Deno.args.length !== 2) throw new Error("Usage: deno task screenshot REPORT.html OUT.png");
await page.goto(`file://${await Deno.realPath(Deno.args[0])}`);
await page.waitForTimeout(800);
await page.screenshot({ path: Deno.args[1], fullPage: true });
await browser.close();
