/* Draws the front page's charts with the vendored uPlot from the figures the page embeds (no network). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-charts").textContent);
  var colours = ["#417690", "#e08e0b", "#3a8f3a", "#ba2121", "#7b52ab", "#666"];
  function draw(id, chart) {
    var el = document.getElementById(id);
    if (!el || !chart || !window.uPlot) return;
    var xs = chart.days.map(function (d) { return Date.parse(d + "T12:00:00Z") / 1000; });
    var series = [{}];
    var columns = [xs];
    chart.series.forEach(function (s, i) {
      series.push({ label: s.label, stroke: colours[i % colours.length], width: 2,
                    points: { show: true, size: 5 } });
      columns.push(s.values);
    });
    var title = el.getAttribute("data-title");
    if (chart.series.length === 0) {
      el.textContent = title + ": nothing yet";
      return;
    }
    new window.uPlot({
      title: title, width: Math.max(280, Math.min((el.clientWidth || 360) - 8, 560)), height: 200,
      series: series, legend: { live: false },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      axes: [{ values: "{D} {MMM}" }, {}],
    }, columns, el);
    el.setAttribute("data-drawn", "1");
  }
  draw("chart-orders", data.orders);
  draw("chart-flow", data.flow);
  draw("chart-emails", data.emails);
})();
