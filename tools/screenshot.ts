/**
 * Screenshots a report page with headless Chromium:
 * `deno task screenshot runs/latest/index.html out.png [--width 1300] [--max-height PX]`.
 * The whole page by default; --max-height keeps its top PX pixels (docs images stay small).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { launchChromium } from "./chromium.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { width: { type: "string" }, "max-height": { type: "string" } },
  allowPositionals: true,
});
if (positionals.length !== 2) {
  throw new Error("Usage: deno task screenshot REPORT.html OUT.png [--width PX] [--max-height PX]");
}
const width = Number(values.width ?? 1300);
const maxHeight = values["max-height"] === undefined ? Infinity : Number(values["max-height"]);
if (!(width > 0) || !(maxHeight > 0)) throw new Error("--width and --max-height must be positive pixels");

const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width, height: 900 } });
await page.goto(`file://${await Deno.realPath(positionals[0])}`);
await page.waitForTimeout(800);
const height = await page.evaluate(() =>
  (globalThis as unknown as { document: { body: { scrollHeight: number } } }).document.body.scrollHeight
);
await page.screenshot({
  path: positionals[1],
  fullPage: true,
  ...(height > maxHeight ? { clip: { x: 0, y: 0, width, height: maxHeight } } : {}),
});
await browser.close();
