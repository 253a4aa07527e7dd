// The intake form shows the fields of the chosen channel only (a letter's scan, a
// transferred case's organ); without JavaScript every field stays visible.
(function () {
  var sel = document.getElementById("channel");
  if (!sel) return;
  var labels = { visit: "来访时间", letter: "收信日期", phone: "来电时间", online: "提交时间", transfer: "收到转来材料日期" };
  var refs = { transfer: "来文号", phone: "12309 来电编号", online: "12309 网上信访编号" };
  function show() {
    var c = sel.value;
    document.querySelectorAll("[data-only]").forEach(function (el) {
      el.hidden = el.getAttribute("data-only").split(" ").indexOf(c) < 0;
    });
    document.querySelectorAll("[data-time-of]").forEach(function (el) {
      el.hidden = el.getAttribute("data-time-of").split(" ").indexOf(c) < 0;
    });
    document.querySelectorAll("[data-note-of]").forEach(function (el) {
      el.hidden = el.getAttribute("data-note-of").split(" ").indexOf(c) < 0;
    });
    var r = document.querySelector("[data-received]");
    if (r) r.textContent = labels[c] || "收到日期";
    var f = document.querySelector("[data-ref-label]");
    if (f) f.textContent = refs[c] || "编号";
  }
  sel.addEventListener("change", show);
  show();
})();
