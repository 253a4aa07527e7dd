// 人员画像: visits per month as a bar chart (the data sits on the plot's data-months).
(function () {
  var el = document.querySelector("#person-visits .plot");
  if (!el) return;
  var months = JSON.parse(el.getAttribute("data-months") || "{}");
  var keys = Object.keys(months);
  if (!keys.length) { el.innerHTML = '<p class="muted">暂无来访</p>'; return; }
  var c = echarts.init(el);
  c.setOption({ animation: false, color: ["#2f6fb0"], title: { text: "每月来访次数", textStyle: { fontSize: 13 } },
    tooltip: { trigger: "axis" }, grid: { left: 12, right: 12, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: keys }, yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: keys.map(function (k) { return months[k]; }), barMaxWidth: 28 }] });
})();
