// The SLA dashboard's charts: each <canvas data-chart="<id>"> is drawn from the JSON of the
// <script id="<id>"> the server wrote (json_script): labels and datasets already translated,
// the same figures as the table under it. The "group by" select submits the filter form.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;

  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function alpha(colour, opacity) {
    if (typeof colour !== "string" || colour.charAt(0) !== "#" || colour.length !== 7) return colour;
    var n = parseInt(colour.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + opacity + ")";
  }

  function dataset(spec, chartType) {
    var type = spec.type || chartType;
    var colour = spec.colour;
    var out = {
      label: spec.label,
      data: spec.data,
      borderColor: colour,
      backgroundColor: type === "line" ? colour : (Array.isArray(colour) ? colour.map(function (c) { return alpha(c, 0.85); }) : alpha(colour, 0.85)),
      borderWidth: type === "line" ? 2 : 0,
      borderRadius: type === "line" ? 0 : 3,
      spanGaps: true,
      tension: 0, // straight lines between the months: no curve invents a value
      pointRadius: 3,
    };
    if (type === "line") out.clip = false; // a point on the top line is drawn whole
    if (spec.type) out.type = spec.type;
    if (spec.yAxisID) out.yAxisID = spec.yAxisID;
    if (type === "line" && chartType !== "line") out.order = -1; // the line over the bars
    return out;
  }

  function percent(value) { return value + " %"; }

  function config(spec) {
    var y = { beginAtZero: true, stacked: !!spec.stacked, ticks: {} };
    if (spec.percent) { y.max = 100; y.ticks.callback = percent; }
    if (spec.integers) y.ticks.precision = 0;
    if (spec.min !== undefined) { y.min = spec.min; y.beginAtZero = false; }
    if (spec.max !== undefined) y.max = spec.max;
    var scales = { x: { stacked: !!spec.stacked, ticks: { autoSkip: true, maxRotation: 45 } }, y: y };
    if (spec.percent_axis) {
      scales.percent = { position: "right", beginAtZero: true, max: 100, grid: { drawOnChartArea: false }, ticks: { callback: percent } };
    }
    var percentSets = {};
    spec.datasets.forEach(function (set, index) { if (spec.percent || set.yAxisID === "percent") percentSets[index] = true; });
    return {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets.map(function (set) { return dataset(set, spec.type); }) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduced ? false : { duration: 400 },
        interaction: { mode: "index", intersect: false },
        scales: scales,
        plugins: {
          legend: { display: spec.legend !== false, position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.raw === null || item.raw === undefined ? "—" : item.formattedValue;
                if (percentSets[item.datasetIndex] && item.raw !== null) value += " %";
                return item.dataset.label + ": " + value;
              },
            },
          },
        },
      },
    };
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    new Chart(canvas, config(JSON.parse(source.textContent)));
  });

  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      var form = select.form;
      if (form) form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  });
})();
