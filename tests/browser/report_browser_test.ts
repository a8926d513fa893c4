/**
 * Opens a rendered report in headless Chromium from file:// and checks that it is whole offline: no
 * request leaves file://, no console or page errors, each section's charts exist — every line chart
 * with one non-empty dataset per model × backend × dtype, one heatmap per model × backend × dtype —
 * and have drawn pixels in their plot areas, status cells of the heatmaps are drawn in their status
 * colour with their message on hover, and a hostile model output stays text. A mixed-task run draws
 * the mean-score chart (partial credit) and bits per byte by position (lm_bpb), and leaves lm_bpb out
 * of the heatmaps and of the charts it has no value for.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { ResultRow, RunInfo } from "../../runner/result.ts";
import { STATUS_COLORS } from "../../reports/html_findings.ts";
import {
  HOSTILE,
  SYNTHETIC_MODELS,
  SYNTHETIC_VARIANTS,
  syntheticRun,
  syntheticTaskRun,
  TASK_RUN_MODELS,
  TASK_RUN_TASKS,
} from "../../reports/testdata/synthetic.ts";
import { renderReport } from "../../reports/render.ts";
import { CHROMIUM, launchChromium } from "../../tools/chromium.ts";

/** The sections with charts, and the canvases each must hold. */
const SECTION_CHARTS: Record<string, string[]> = {
  heatmaps: Array.from({ length: 8 }, (_, i) => `heatmap-${i}`),
  accuracy: ["chart-accuracy"],
  prefill: ["chart-prefill"],
  decode: ["chart-decode"],
  memory: ["chart-memory-device", "chart-memory-host"],
};

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
    getElementById(id: string): PageCanvas;
    body: { textContent: string | null };
  };
  Chart?: { getChart(canvas: PageCanvas): PageChart | undefined };
}

interface PageCanvas {
  id: string;
  width: number;
  clientWidth: number;
  closest(selector: "section"): { id: string } | null;
  scrollIntoView(options: { block: "center" }): void;
  getBoundingClientRect(): { left: number; top: number };
  getContext(
    kind: "2d",
  ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}

interface PageChart {
  chartArea: { left: number; top: number; right: number; bottom: number };
  data: { datasets: { label?: string; data: unknown[] }[] };
  getDatasetMeta(index: number): {
    data: {
      x: number;
      y: number;
      width?: number;
      height?: number;
      getCenterPoint(): { x: number; y: number };
    }[];
  };
  tooltip: { body?: { lines: string[] }[] };
}

/** What the page reports about one chart. */
interface ChartProbe {
  id: string;
  section: string;
  exists: boolean;
  labels: string[];
  nonEmpty: boolean[];
  drawnPixels: number;
}

/** A heatmap cell of a given state: its colour near its corner and its centre in viewport pixels. */
interface CellProbe {
  /** Whether the smallest depth's row is drawn above the next one (cells go length-major). */
  firstDepthOnTop: boolean;
  rgb: number[];
  pageX: number;
  pageY: number;
}

/** What {@link withReportPage} hands its check: the page, and the probes taken once it loaded. */
interface Opened {
  page: Page;
  charts: ChartProbe[];
}

/**
 * Renders `run` into a temporary folder, opens its index.html from file:// in headless Chromium with
 * every other request blocked, runs `check`, saves a full-page screenshot, and asserts that nothing
 * left file://, that the page logged no error and opened no dialog.
 */
async function withReportPage(
  run: { info: RunInfo; rows: ResultRow[] },
  check: (opened: Opened) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "report_browser_" });
  await Deno.writeTextFile(`${dir}/run.json`, JSON.stringify(run.info));
  await Deno.writeTextFile(`${dir}/results.jsonl`, run.rows.map((r) => JSON.stringify(r) + "\n").join(""));
  await renderReport(dir);
  const htmlPath = `${dir}/index.html`;
  console.log(`index.html: ${htmlPath} (${(await Deno.stat(htmlPath)).size} bytes)`);

  const browser = await launchChromium();
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
      console.log(`${c.section}/${c.id}: ${c.labels.length} datasets, ${c.drawnPixels} opaque plot pixels`);
    }
    await check({ page, charts });
    const shot = `${await Deno.makeTempDir({ prefix: "report_shot_" })}/report.png`;
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
    assert.deepEqual(blocked, [], "requests outside file://");
    assert.deepEqual(errors, [], "console and page errors");
    assert.deepEqual(dialogs, [], "dialogs opened by the page");
  } finally {
    await browser.close();
  }
  await Deno.remove(dir, { recursive: true });
}

/** Moves the mouse to `cell` and waits for the tooltip of the heatmap labelled `label`. */
async function hoverCell(page: Page, cell: CellProbe, label: string): Promise<string[]> {
  await page.mouse.move(cell.pageX, cell.pageY);
  let hover: string[] = [];
  // Chart.js handles the move on the next animation frame.
  for (let i = 0; i < 40 && hover.length === 0; i++) {
    await page.waitForTimeout(25);
    hover = await page.evaluate(tooltipLines, label);
  }
  return hover;
}

/** Each section holds its charts and no other canvas; each chart exists, has drawn every dataset. */
function assertCharts(charts: ChartProbe[], sections: Record<string, string[]>): void {
  const bySection: Record<string, string[]> = {};
  for (const c of charts) (bySection[c.section] ??= []).push(c.id);
  assert.deepEqual(bySection, sections, "charts by section");
  for (const chart of charts) {
    assert.ok(chart.exists, `${chart.id}: no Chart instance`);
    assert.ok(chart.nonEmpty.every((v) => v), `${chart.id}: a dataset has no drawn point`);
    assert.ok(
      chart.drawnPixels > 500,
      `${chart.id}: only ${chart.drawnPixels} drawn pixels in the plot area`,
    );
    if (chart.section === "heatmaps") assert.equal(chart.labels.length, 1, `${chart.id}: one dataset`);
  }
}

Deno.test({
  name: "report opens from file:// offline and draws every chart",
  ignore: chromiumMissing,
  async fn() {
    await withReportPage(syntheticRun(), async ({ page, charts }) => {
      // Status cells: transformer runs out of memory at 16M; swa-hsa on webgpu is unsupported there.
      const unsupported = await page.evaluate(probeCell, {
        label: "swa-hsa · webgpu · f16",
        state: "unsupported",
      });
      // Probed last, so that its canvas is the one scrolled into view when the mouse moves.
      const oom = await page.evaluate(probeCell, { label: "transformer · reference · f32", state: "oom" });
      const hover = await hoverCell(page, oom, "transformer · reference · f32");
      const hostileAsText = await page.evaluate((text) => {
        const { document } = globalThis as unknown as PageGlobals;
        return {
          images: document.querySelectorAll("img").length,
          found: document.body.textContent?.includes(text) ?? false,
        };
      }, HOSTILE);

      assert.deepEqual(hostileAsText, { images: 0, found: true }, "hostile output shown as text, no <img>");
      const expected = SYNTHETIC_MODELS.flatMap((m) =>
        SYNTHETIC_VARIANTS.map((v) => `${m} · ${v.backend} · ${v.dtype}`)
      ).sort();
      assertCharts(charts, SECTION_CHARTS);
      for (const chart of charts.filter((c) => c.section !== "heatmaps")) {
        assert.deepEqual([...chart.labels].sort(), expected, `${chart.id}: dataset labels`);
      }
      const heatmapLabels = charts.filter((c) => c.section === "heatmaps").flatMap((c) => c.labels).sort();
      assert.deepEqual(heatmapLabels, expected, "one heatmap per model × backend × dtype");
      assert.ok(oom.firstDepthOnTop, "depth 0.25 drawn above depth 0.75");
      assertColor(oom.rgb, STATUS_COLORS.oom, "oom cell");
      assertColor(unsupported.rgb, STATUS_COLORS.unsupported, "unsupported cell");
      assert.ok(
        hover.some((line) => line.startsWith("oom: Out of memory: KV cache needs")),
        `hover shows the oom message: ${JSON.stringify(hover)}`,
      );
    });
  },
});

Deno.test({
  name: "report of a mixed-task run draws the mean-score chart and bits per byte by position",
  ignore: chromiumMissing,
  async fn() {
    await withReportPage(syntheticTaskRun(), async ({ page, charts }) => {
      // ramba's niah_multivalue at 4K, depth 0.25: samples 0 and 2 name 4 and 2 of 4 values.
      const label = "ramba · reference · f32 · niah_multivalue";
      const hover = await hoverCell(page, await page.evaluate(probeCell, { label, state: "ok" }), label);

      assertCharts(charts, {
        heatmaps: Array.from({ length: 4 }, (_, i) => `heatmap-${i}`), // none for lm_bpb
        accuracy: ["chart-accuracy", "chart-score"],
        bpb: ["chart-bpb"],
        prefill: ["chart-prefill"],
        decode: ["chart-decode"],
        memory: ["chart-memory-device", "chart-memory-host"],
      });
      const variants = (tasks: readonly string[]) =>
        TASK_RUN_MODELS.flatMap((m) => tasks.map((t) => `${m} · reference · f32 · ${t}`)).sort();
      const labels = (id: string) => [...charts.find((c) => c.id === id)!.labels].sort();
      // lm_bpb has no accuracy and no decode time: left out of those charts, not drawn as 0%.
      assert.deepEqual(labels("chart-accuracy"), variants(["niah_multivalue", "passkey"]));
      assert.deepEqual(labels("chart-decode"), variants(["niah_multivalue", "passkey"]));
      assert.deepEqual(labels("chart-score"), variants(["niah_multivalue"]));
      assert.deepEqual(labels("chart-bpb"), variants(["lm_bpb"]));
      assert.deepEqual(labels("chart-prefill"), variants(TASK_RUN_TASKS));
      assert.ok(hover.includes("greedy 50.0% (1/2)"), `hover: ${JSON.stringify(hover)}`);
      assert.ok(hover.includes("mean score 0.75"), `hover shows the mean score: ${JSON.stringify(hover)}`);
    });
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
    const section = canvas.closest("section")?.id ?? "";
    if (!chart) return { id: canvas.id, section, exists: false, labels: [], nonEmpty: [], drawnPixels: 0 };
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
      section,
      exists: true,
      labels: chart.data.datasets.map((d) => String(d.label)),
      nonEmpty: chart.data.datasets.map((d, i) =>
        d.data.length > 0 && chart.getDatasetMeta(i).data.some((p) => Number.isFinite(p.y))
      ),
      drawnPixels,
    };
  });
}

/**
 * Runs in the page: finds the heatmap labelled `label`, its first cell in state `state`, and returns
 * the colour 3 px inside the cell's top-left corner (clear of the centred text) and, with the canvas
 * scrolled into view, the cell's centre in viewport coordinates (as the mouse takes them).
 */
function probeCell({ label, state }: { label: string; state: string }): CellProbe {
  const { document, Chart } = globalThis as unknown as PageGlobals;
  for (const canvas of document.querySelectorAll("canvas")) {
    const chart = Chart?.getChart(canvas);
    if (!chart || chart.data.datasets[0]?.label !== label || !canvas.id.startsWith("heatmap-")) continue;
    const cells = chart.data.datasets[0].data as { state: string }[];
    const index = cells.findIndex((c) => c.state === state);
    if (index < 0) throw new Error(`No ${state} cell in heatmap ${label}`);
    canvas.scrollIntoView({ block: "center" }); // so that the mouse can reach it
    const element = chart.getDatasetMeta(0).data[index];
    const scale = canvas.width / canvas.clientWidth;
    const pixel = canvas.getContext("2d").getImageData(
      Math.round((element.x + 3) * scale),
      Math.round((element.y + 3) * scale),
      1,
      1,
    ).data;
    const centre = element.getCenterPoint();
    const rect = canvas.getBoundingClientRect();
    const meta = chart.getDatasetMeta(0).data;
    return {
      firstDepthOnTop: meta[0].y < meta[1].y,
      rgb: [pixel[0], pixel[1], pixel[2]],
      pageX: rect.left + centre.x,
      pageY: rect.top + centre.y,
    };
  }
  throw new Error(`No heatmap labelled ${label}`);
}

/** Runs in the page: the body lines of the tooltip of the heatmap labelled `label`. */
function tooltipLines(label: string): string[] {
  const { document, Chart } = globalThis as unknown as PageGlobals;
  for (const canvas of document.querySelectorAll("canvas")) {
    const chart = Chart?.getChart(canvas);
    if (chart && canvas.id.startsWith("heatmap-") && chart.data.datasets[0]?.label === label) {
      return (chart.tooltip.body ?? []).flatMap((b) => b.lines);
    }
  }
  return [];
}

function assertColor(rgb: number[], hex: string, what: string): void {
  const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  assert.ok(rgb.every((v, i) => Math.abs(v - want[i]) <= 3), `${what}: drawn rgb(${rgb}) is not ${hex}`);
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
