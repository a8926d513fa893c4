// The report's own script, inlined into index.html after Chart.js and its matrix plugin: reads the
// JSON block #report-data (see html.ts) and draws the line charts vs length, the bits-per-byte chart
// vs prompt position and the accuracy heatmaps. No network, no eval; every string from the data is
// drawn as canvas text.
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  /** 3 significant digits, decimal k/M/G (as format.ts's formatCompact): 40960 → "41k". */
  function compact(v) {
    for (const [unit, size] of [["G", 1e9], ["M", 1e6], ["k", 1e3]]) {
      if (Math.abs(v) >= size) return `${Number((v / size).toPrecision(3))}${unit}`;
    }
    return String(Number(v.toPrecision(3)));
  }
  /** IEC units, 3 significant digits (as format.ts's formatBytes): 1536 → "1.5 KiB". */
  function bytes(v) {
    for (const [unit, size] of [["TiB", 2 ** 40], ["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]]) {
      if (Math.abs(v) >= size) return `${Number((v / size).toPrecision(3))} ${unit}`;
    }
    return `${v} B`;
  }
  const lengthLabel = (v) => data.length_labels[String(v)] ?? compact(v);
  const percent = (v) => `${(v * 100).toFixed(1)}%`;
  const mantissa = (v) => v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  const isMantissa = (v, options) => options.some((m) => Math.abs(mantissa(v) - m) < 1e-6);
  const first = data.lengths[0] ?? 1;
  const last = data.lengths[data.lengths.length - 1] ?? 1;

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#333";

  /**
   * Datasets for one line chart: the series that `keep` accepts and that have a `yKey` value at some
   * length (a likelihood task has no accuracy, nor decode time), y read from `yKey` of each point.
   */
  function datasets(yKey, keep) {
    return data.series
      .filter((s) => keep(s) && s.points.some((p) => p[yKey] !== null))
      .map((s) => ({
        ...lineStyle(s),
        label: s.label,
        data: s.points,
        parsing: { xAxisKey: "length", yAxisKey: yKey },
      }));
  }

  /** How a series or bits-per-byte curve is drawn: colour by model, dash and marker by backend/dtype. */
  function lineStyle(s) {
    return {
      borderColor: s.color,
      backgroundColor: s.color,
      borderDash: s.dash,
      pointStyle: s.point_style,
      pointBackgroundColor: s.hollow ? "rgba(0, 0, 0, 0)" : s.color,
      pointRadius: s.hollow ? 6 : 4,
      pointHoverRadius: s.hollow ? 8 : 6,
      pointBorderWidth: 2,
      borderWidth: 2,
      spanGaps: false,
      clip: 8,
    };
  }

  /**
   * The shared x axis: log scale, a tick at each requested length (labelled 4K, 1M, …); with many
   * lengths (a 4K-to-64M sweep) Chart.js skips labels that would overlap.
   */
  function lengthAxis() {
    return {
      type: "logarithmic",
      min: first / 1.5,
      max: last * 1.5,
      title: { display: true, text: "context length (tokens, requested)" },
      afterBuildTicks(axis) {
        axis.ticks = data.lengths.map((value) => ({ value }));
      },
      ticks: { autoSkip: data.lengths.length > 12, maxRotation: 0, callback: (v) => lengthLabel(v) },
    };
  }

  /**
   * A log y axis. Decimal units: every tick labelled when there are few, else 1, 2 and 5 of each
   * decade (and 3 and 7 when that leaves few labels). Bytes: ticks at powers of two (and 1.5×) instead.
   */
  function logAxis(title, format, binary) {
    const axis = {
      type: "logarithmic",
      title: { display: true, text: title },
      ticks: {
        autoSkip: false,
        callback: (v, _i, ticks) =>
          ticks.length <= 8 || isMantissa(v, [1, 2, 5]) || (ticks.length <= 16 && isMantissa(v, [3, 7]))
            ? format(v)
            : "",
      },
      grid: {
        color: (ctx) => isMantissa(ctx.tick.value, [1]) ? "rgba(0, 0, 0, 0.16)" : "rgba(0, 0, 0, 0.05)",
      },
    };
    if (binary) {
      axis.afterBuildTicks = (scale) => {
        const ticks = binaryTicks(scale.min, scale.max);
        if (ticks.length > 0) scale.ticks = ticks.map((value) => ({ value }));
      };
      axis.ticks.callback = (v) => format(v);
      axis.grid.color = "rgba(0, 0, 0, 0.08)";
    }
    return axis;
  }

  /** Powers of two in [lo, hi]; with fewer than three, the 1.5× steps between them too. */
  function binaryTicks(lo, hi) {
    if (!(lo > 0 && hi >= lo)) return [];
    const powers = [];
    for (let k = Math.floor(Math.log2(lo)); k <= Math.ceil(Math.log2(hi)); k++) powers.push(2 ** k);
    let ticks = powers.filter((v) => v >= lo && v <= hi);
    if (ticks.length < 3) ticks = powers.flatMap((v) => [v, 1.5 * v]).filter((v) => v >= lo && v <= hi);
    return ticks;
  }

  function lineOptions(yAxis, label) {
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "nearest", intersect: false },
      scales: { x: lengthAxis(), y: yAxis },
      plugins: {
        legend: { position: "bottom", labels: { usePointStyle: true, boxHeight: 8 } },
        tooltip: {
          callbacks: {
            title: (items) => `${lengthLabel(items[0].raw.length)} tokens`,
            label: (item) => `${item.dataset.label}: ${label(item.raw)}`,
            footer: (items) => items.map((i) => i.raw.failures).filter((f) => f).map((f) => `not ok: ${f}`),
          },
        },
      },
    };
  }

  function drawLines(id, yKey, yAxis, label, keep = () => true) {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, {
      type: "line",
      data: { datasets: datasets(yKey, keep) },
      options: lineOptions(yAxis, label),
    });
  }

  drawLines(
    "chart-accuracy",
    "accuracy",
    {
      min: 0,
      max: 1,
      title: { display: true, text: "greedy exact match" },
      ticks: { callback: (v) => `${Math.round(v * 100)}%` },
    },
    (p) => `${percent(p.accuracy)} (${p.k}/${p.n}), 95% CI ${percent(p.lower)}–${percent(p.upper)}`,
  );
  drawLines(
    "chart-score",
    "score",
    {
      min: 0,
      max: 1,
      title: { display: true, text: "mean score (partial credit)" },
      ticks: { callback: (v) => v.toFixed(1) },
    },
    (p) => `${p.score.toFixed(2)} (n=${p.score_n})`,
    (s) => s.partial_credit,
  );
  drawLines(
    "chart-prefill",
    "prefill_tokens_per_s",
    logAxis("prefill tokens/s (median)", compact),
    (p) => `${compact(p.prefill_tokens_per_s)} tok/s`,
  );
  drawLines(
    "chart-decode",
    "decode_ms_per_token",
    logAxis("decode ms/token (median)", compact),
    (p) => `${compact(p.decode_ms_per_token)} ms/token`,
  );
  drawLines(
    "chart-memory-device",
    "peak_device_bytes",
    logAxis("peak device memory (backend allocator)", bytes, true),
    (p) => bytes(p.peak_device_bytes),
  );
  drawLines(
    "chart-memory-host",
    "peak_host_bytes",
    logAxis("peak host memory (process RSS)", bytes, true),
    (p) => bytes(p.peak_host_bytes),
  );

  // ---- Bits per byte vs prompt position: a point per power-of-two bucket, at the bucket's middle.

  (function drawBitsPerByte() {
    const canvas = document.getElementById("chart-bpb");
    if (!canvas || data.bpb_curves.length === 0) return;
    const ticks = data.bpb_ticks;
    const tickLabels = Object.fromEntries(ticks.map((t) => [String(t.value), t.label]));
    const xs = data.bpb_curves.flatMap((c) => c.points.map((p) => p.x));
    const options = lineOptions(
      { title: { display: true, text: "bits per byte" } },
      (p) => `${p.bpb.toFixed(3)} bits/byte over ${compact(p.bytes)} bytes (${p.rows} rows)`,
    );
    options.scales.x = {
      type: "logarithmic",
      min: Math.min(...xs) / 1.5,
      max: Math.max(...xs, ...ticks.map((t) => t.value)) * 1.2,
      title: { display: true, text: "position in the prompt (tokens = bytes)" },
      afterBuildTicks(axis) {
        axis.ticks = ticks.map((t) => ({ value: t.value }));
      },
      ticks: {
        autoSkip: ticks.length > 12,
        maxRotation: 0,
        callback: (v) => tickLabels[String(v)] ?? compact(v),
      },
    };
    options.plugins.tooltip.callbacks.title = (items) => `positions ${items[0].raw.range}`;
    new Chart(canvas, {
      type: "line",
      data: {
        datasets: data.bpb_curves.map((c) => ({
          ...lineStyle(c),
          label: c.label,
          data: c.points,
          parsing: { xAxisKey: "x", yAxisKey: "bpb" },
        })),
      },
      options,
    });
  })();

  // ---- Heatmaps: depth × length, accuracy on a yellow-green-blue scale, statuses in their own colours.

  /** Accuracy colour stops (YlGnBu, from html_findings.ts): 0% pale yellow, 100% dark blue. */
  const SCALE = data.accuracy_scale;
  /** Status colours, from html_findings.ts (the legend uses the same). */
  const STATUS_COLORS = data.status_colors;
  function accuracyColor(a) {
    const t = Math.min(1, Math.max(0, a)) * (SCALE.length - 1);
    const i = Math.min(SCALE.length - 2, Math.floor(t));
    const f = t - i;
    const c = SCALE[i].map((v, j) => Math.round(v + (SCALE[i + 1][j] - v) * f));
    return `rgb(${c.join(", ")})`;
  }
  const cellColor = (c) =>
    c.state !== "ok" ? STATUS_COLORS[c.state] : c.accuracy === null ? "#eeeeee" : accuracyColor(c.accuracy);
  const cellText = (c) =>
    c.state !== "ok" ? c.state : c.accuracy === null ? "–" : `${Math.round(c.accuracy * 100)}%`;
  const darkCell = (c) => c.state === "ok" ? (c.accuracy ?? 0) > 0.55 : c.state !== "skipped";

  /** Splits a long message into tooltip lines of at most `width` characters. */
  function wrap(text, width) {
    const lines = [];
    for (let i = 0; i < text.length; i += width) lines.push(text.slice(i, i + width));
    return lines;
  }

  /** Draws each cell's accuracy or status in the cell where it fits, so the map reads without hovering. */
  const cellLabels = {
    id: "cellLabels",
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx;
      const cells = chart.data.datasets[0].data;
      ctx.save();
      ctx.font = `600 12px ${Chart.defaults.font.family}`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      chart.getDatasetMeta(0).data.forEach((element, i) => {
        const text = cellText(cells[i]);
        if (ctx.measureText(text).width > element.width - 4 || element.height < 14) return; // hover has it
        const { x, y } = element.getCenterPoint();
        ctx.fillStyle = darkCell(cells[i]) ? "#fff" : "#222";
        ctx.fillText(text, x, y);
      });
      ctx.restore();
    },
  };

  data.heatmaps.forEach((h, index) => {
    const canvas = document.getElementById(`heatmap-${index}`);
    if (!canvas) return;
    const depthLabels = h.depths.map((d) => String(d));
    const cells = h.cells.map((c) => ({
      ...c,
      x: h.length_labels[h.lengths.indexOf(c.length)],
      y: String(c.depth),
    }));
    const gap = 2;
    new Chart(canvas, {
      type: "matrix",
      data: {
        datasets: [{
          label: h.label,
          data: cells,
          backgroundColor: (ctx) => cellColor(ctx.raw),
          borderColor: "#fff",
          borderWidth: 1,
          width: ({ chart }) => (chart.chartArea || {}).width / h.lengths.length - gap,
          height: ({ chart }) => (chart.chartArea || {}).height / h.depths.length - gap,
        }],
      },
      plugins: [cellLabels],
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: {
            type: "category",
            labels: h.length_labels,
            offset: true,
            grid: { display: false },
            title: { display: true, text: "length" },
          },
          y: {
            type: "category",
            labels: depthLabels,
            offset: true,
            // The matrix plugin reverses y by default; unreversed, the first label (smallest depth) is on top.
            reverse: false,
            grid: { display: false },
            title: { display: true, text: "depth" },
          },
        },
        plugins: {
          title: { display: true, text: h.label, font: { size: 13, weight: "600" } },
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: () => h.label,
              label: (item) => {
                const c = item.raw;
                const lines = [`length ${item.raw.x} · depth ${c.depth} · ${c.rows} rows`];
                if (c.n > 0) lines.push(`greedy ${percent(c.accuracy)} (${c.k}/${c.n})`);
                if (c.score !== null && c.score !== c.accuracy) {
                  lines.push(`mean score ${c.score.toFixed(2)}`);
                }
                if (c.failures) lines.push(`not ok: ${c.failures}`);
                for (const m of c.messages) lines.push(...wrap(m, 70));
                return lines;
              },
            },
          },
        },
      },
    });
  });
})();
