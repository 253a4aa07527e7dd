// Alerts arrive over server-sent events and show at the top of the page, in the flow
// (never floating over a form's fields): a click opens the alert, × puts it away.
// A few are shown; the rest are counted, with a link to 我的预警.
(function () {
  if (!window.EventSource) return;
  var SHOWN = 3, more = 0, moreLine = null;
  var es = new EventSource("/console/alerts/stream");
  es.addEventListener("alert", function (ev) {
    var a = JSON.parse(ev.data), box = document.getElementById("toast");
    if (!box) return;
    if (box.querySelectorAll(".flash").length >= SHOWN) {
      more += 1;
      if (!moreLine) {
        moreLine = document.createElement("a");
        moreLine.className = "small";
        moreLine.href = "/console/alerts";
        box.appendChild(moreLine);
      }
      moreLine.textContent = "另有 " + more + " 条预警，到“我的预警”查看";
      return;
    }
    var d = document.createElement("div");
    d.className = "flash " + (a.level === "danger" ? "error" : "info");
    var text = document.createElement("span");
    text.textContent = a.message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.title = "收起";
    close.textContent = "×";
    close.addEventListener("click", function (e) { e.stopPropagation(); d.remove(); });
    d.appendChild(text);
    d.appendChild(close);
    d.addEventListener("click", function () { location.href = a.href; });
    box.insertBefore(d, moreLine);
  });
})();
