/**
 * Opens a rendered report in headless Chromium from file:// and checks that it is whole offline: no
 * request leaves file://, no console or page errors, every chart exists with one non-empty dataset
 * per model × backend × dtype and has drawn pixels, and a hostile model output stays text.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  HOSTILE,
  SYNTHETIC_MODELS,
  SYNTHETIC_VARIANTS,
  syntheticRun,
} from "../../reports/testdata/synthetic.ts";
import { renderReport } from "../../reports/render.ts";

const CHROMIUM = "/usr/bin/chromium";
const chromiumMissing = !exists(CHROMIUM);
if (chromiumMissing) console.log(`Skipping the report browser test: ${CHROMIUM} does not exist`);

/**
 * The little of the page's globals the probes touch, typed here rather than through lib.dom, which
 * would apply to every module type-checked with this one.
 */
interface PageGlobals {
  document: {
    querySelectorAll(selector: "canvas"): Iterable<PageCanvas>;
    querySelectorAll(selector: string): { length: number };
    body: { textContent: string | null };
  };
  Chart?: { getChart(canvas: PageCanvas): PageChart | undefined };
}

interface PageCanvas {
  id: string;
  width: number;
  clientWidth: number;
  getContext(
    kind: "2d",
  ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}

interface PageChart {
  chartArea: { left: number; top: number; right: number; bottom: number };
  data: { datasets: { label?: string; data: unknown[] }[] };
  getDatasetMeta(index: number): { data: { y: number }[] };
}

/** What the page reports about one chart. */
interface ChartProbe {
  id: string;
  exists: boolean;
  labels: string[];
  nonEmpty: boolean[];
  drawnPixels: number;
}

Deno.test({
  name: "report opens from file:// offline and draws every chart",
  ignore: chromiumMissing,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "report_browser_" });
    const { info, rows } = syntheticRun();
    await Deno.writeTextFile(`${dir}/run.json`, JSON.stringify(info));
    await Deno.writeTextFile(`${dir}/results.jsonl`, rows.map((r) => JSON.stringify(r) + "\n").join(""));
    await renderReport(dir);
    const htmlPath = `${dir}/index.html`;
    console.log(`index.html: ${htmlPath} (${(await Deno.stat(htmlPath)).size} bytes)`);

    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
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
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const blocked: string[] = [];
      const errors: string[] = [];
      const dialogs: string[] = [];
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith("file://")) return route.continue();
        blocked.push(url);
        return route.abort();
      });
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => errors.push(`page: ${e.message}`));
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        d.dismiss();
      });

      await page.goto(new URL(`file://${htmlPath}`).href, { waitUntil: "load" });
      const charts = await page.evaluate(probeCharts);
      for (const c of charts) {
        console.log(`${c.id}: ${c.labels.length} datasets, ${c.drawnPixels} opaque plot pixels`);
      }
      const shot = `${await Deno.makeTempDir({ prefix: "report_shot_" })}/report.png`;
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`screenshot: ${shot}`);
      const hostileAsText = await page.evaluate((text) => {
        const { document } = globalThis as unknown as PageGlobals;
        return {
          images: document.querySelectorAll("img").length,
          found: document.body.textContent?.includes(text) ?? false,
        };
      }, HOSTILE);

      assert.deepEqual(blocked, [], "requests outside file://");
      assert.deepEqual(errors, [], "console and page errors");
      assert.deepEqual(dialogs, [], "dialogs opened by the page");
      assert.deepEqual(hostileAsText, { images: 0, found: true }, "hostile output shown as text, no <img>");
      const expected = SYNTHETIC_MODELS.flatMap((m) =>
        SYNTHETIC_VARIANTS.map((v) => `${m} · ${v.backend} · ${v.dtype}`)
      );
      assert.deepEqual(charts.map((c) => c.id), ["chart-accuracy", "chart-prefill"]);
      for (const chart of charts) {
        assert.ok(chart.exists, `${chart.id}: no Chart instance`);
        assert.deepEqual([...chart.labels].sort(), [...expected].sort(), `${chart.id}: dataset labels`);
        assert.ok(chart.nonEmpty.every((v) => v), `${chart.id}: a dataset has no drawn point`);
        assert.ok(
          chart.drawnPixels > 500,
          `${chart.id}: only ${chart.drawnPixels} drawn pixels in the plot area`,
        );
      }
    } finally {
      await browser.close();
    }
    await Deno.remove(dir, { recursive: true });
  },
});

/**
 * Runs in the page: for each canvas, its Chart instance, dataset labels, whether each dataset has a
 * drawn point, and how many opaque pixels its plot area holds. Grid lines and the axis border are
 * drawn translucent, so inside the plot area (2 px in from its edge) only data lines and points are
 * opaque.
 */
function probeCharts(): ChartProbe[] {
  const { document, Chart } = globalThis as unknown as PageGlobals;
  return [...document.querySelectorAll("canvas")].map((canvas) => {
    const chart = Chart?.getChart(canvas);
    if (!chart) return { id: canvas.id, exists: false, labels: [], nonEmpty: [], drawnPixels: 0 };
    const area = chart.chartArea;
    const scale = canvas.width / canvas.clientWidth;
    const x = Math.ceil((area.left + 2) * scale);
    const y = Math.ceil((area.top + 2) * scale);
    const w = Math.floor((area.right - area.left - 4) * scale);
    const h = Math.floor((area.bottom - area.top - 4) * scale);
    const pixels = canvas.getContext("2d").getImageData(x, y, w, h).data;
    let drawnPixels = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 200) drawnPixels++;
    return {
      id: canvas.id,
      exists: true,
      labels: chart.data.datasets.map((d) => String(d.label)),
      nonEmpty: chart.data.datasets.map((d, i) =>
        d.data.length > 0 && chart.getDatasetMeta(i).data.some((p) => Number.isFinite(p.y))
      ),
      drawnPixels,
    };
  });
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
