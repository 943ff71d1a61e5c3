// Draws the dashboard's charts with the vendored Chart.js from the figures in the page.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("charts-data");
    if (!node || !window.Chart) { return; }
    var charts = JSON.parse(node.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var chart = charts[canvas.dataset.chart];
      if (!chart || !chart.values.length) { canvas.hidden = true; return; }
      new window.Chart(canvas, {
        type: chart.type,
        data: {labels: chart.labels,
               datasets: [{label: chart.series, data: chart.values, backgroundColor: "#00895a"}]},
        options: {indexAxis: chart.horizontal ? "y" : "x", animation: false,
                  maintainAspectRatio: false, plugins: {legend: {display: false}},
                  scales: {x: {ticks: {precision: 0}}, y: {ticks: {precision: 0}}}}
      });
    });
  });
})();
