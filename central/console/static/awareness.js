/* Situation awareness dashboard: draw each chart from /api/awareness/charts/<name>,
   and send a click on any bar, point or slice to the list behind it. */
(function () {
  "use strict";
  var PALETTE = ["#2f6fb0", "#e07b39", "#3a9e6f", "#c2413b", "#7d5ba6", "#9a7b4f", "#d4a72c"];

  function option(c) {
    var base = {
      color: PALETTE,
      tooltip: { trigger: c.kind === "pie" ? "item" : "axis" },
      grid: { left: 12, right: 24, top: 36, bottom: 8, containLabel: true },
      legend: { top: 4, show: c.series.length > 1 || c.kind === "pie" },
      animation: false
    };
    if (c.kind === "pie") {
      base.series = [{
        type: "pie", radius: ["35%", "65%"], top: 24,
        label: { formatter: "{b}\n{c}（{d}%）" },
        data: c.labels.map(function (l, i) {
          var item = { name: l, value: c.series[0].data[i] };
          if (c.colors && c.colors[i]) { item.itemStyle = { color: c.colors[i] }; }
          return item;
        })
      }];
      return base;
    }
    var horizontal = c.kind === "hbar";
    var cat = { type: "category", data: c.labels, axisLabel: { interval: horizontal ? 0 : "auto" } };
    var val = { type: "value", minInterval: 1 };
    if (horizontal) { cat.inverse = true; base.xAxis = val; base.yAxis = cat; }
    else { base.xAxis = cat; base.yAxis = val; }
    base.series = c.series.map(function (s) {
      return {
        name: s.name, data: s.data,
        type: c.kind === "line" ? "line" : "bar",
        stack: c.kind === "stack" ? "total" : undefined,
        showSymbol: c.labels.length <= 40,
        areaStyle: c.kind === "line" ? { opacity: 0.08 } : undefined,
        barMaxWidth: 28
      };
    });
    return base;
  }

  function draw(el, query) {
    var name = el.getAttribute("data-chart");
    fetch("/api/awareness/charts/" + name + "?" + query, { headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error(r.status + " " + r.statusText); }
        return r.json();
      })
      .then(function (c) {
        var box = el.querySelector(".plot");
        var title = el.querySelector("h3");
        if (title) { title.textContent = c.title; }
        var empty = c.series.every(function (s) { return s.data.every(function (v) { return !v; }); });
        el.setAttribute("data-total", String(c.series.reduce(function (a, s) {
          return a + s.data.reduce(function (x, y) { return x + y; }, 0); }, 0)));
        if (empty) { box.innerHTML = '<p class="muted empty">本期无数据</p>'; el.setAttribute("data-ready", "empty"); return; }
        var chart = echarts.init(box, null, { renderer: "canvas" });
        chart.setOption(option(c));
        chart.on("click", function (p) {
          var s = c.series[p.seriesIndex] || c.series[0];
          var link = s.links[p.dataIndex];
          if (link) { window.location.href = link; }
        });
        window.addEventListener("resize", function () { chart.resize(); });
        el.setAttribute("data-ready", "yes");
      })
      .catch(function (e) {
        el.querySelector(".plot").innerHTML = '<p class="risk-high">图表加载失败：' + e.message + "</p>";
        el.setAttribute("data-ready", "error");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("awareness");
    if (!root) { return; }
    var query = root.getAttribute("data-query") || "";
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
      draw(el, query);
    });
  });
})();
