// The report's own script, inlined into index.html after Chart.js: reads the JSON block
// #report-data (see chart_data.ts) and draws the accuracy and prefill charts. No network, no eval.
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
  const lengthLabel = (v) => data.length_labels[String(v)] ?? compact(v);
  const percent = (v) => `${(v * 100).toFixed(1)}%`;
  const mantissa = (v) => v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  const isMantissa = (v, options) => options.some((m) => Math.abs(mantissa(v) - m) < 1e-6);
  const first = data.lengths[0] ?? 1;
  const last = data.lengths[data.lengths.length - 1] ?? 1;

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#333";

  /** Datasets for one chart: every series, with y read from `yKey` of each point. */
  function datasets(yKey) {
    return data.series.map((s) => ({
      label: s.label,
      data: s.points,
      parsing: { xAxisKey: "length", yAxisKey: yKey },
      borderColor: s.color,
      backgroundColor: s.color,
      borderDash: s.dash,
      pointStyle: s.point_style,
      pointRadius: 4,
      pointHoverRadius: 6,
      borderWidth: 2,
      spanGaps: false,
      clip: 8,
    }));
  }

  /** The shared x axis: log scale, a tick at each requested length, labelled 4K, 1M, … */
  function lengthAxis() {
    return {
      type: "logarithmic",
      min: first / 1.5,
      max: last * 1.5,
      title: { display: true, text: "context length (tokens, requested)" },
      afterBuildTicks(axis) {
        axis.ticks = data.lengths.map((value) => ({ value }));
      },
      ticks: { autoSkip: false, maxRotation: 0, callback: (v) => lengthLabel(v) },
    };
  }

  function options(yAxis, label) {
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

  function draw(id, yKey, yAxis, label) {
    const canvas = document.getElementById(id);
    if (canvas) {
      new Chart(canvas, { type: "line", data: { datasets: datasets(yKey) }, options: options(yAxis, label) });
    }
  }

  draw(
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
  draw(
    "chart-prefill",
    "prefill_tokens_per_s",
    {
      type: "logarithmic",
      title: { display: true, text: "prefill tokens/s (median)" },
      // Label 1, 2 and 5 of each decade; grid lines at the decades stand out from those between.
      ticks: { autoSkip: false, callback: (v) => isMantissa(v, [1, 2, 5]) ? compact(v) : "" },
      grid: {
        color: (ctx) => isMantissa(ctx.tick.value, [1]) ? "rgba(0, 0, 0, 0.16)" : "rgba(0, 0, 0, 0.05)",
      },
    },
    (p) => `${compact(p.prefill_tokens_per_s)} tok/s`,
  );
})();
