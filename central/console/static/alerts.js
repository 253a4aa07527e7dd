// Alerts arrive over server-sent events; high-risk ones stay until clicked.
(function () {
  if (!window.EventSource) return;
  var es = new EventSource("/console/alerts/stream");
  es.addEventListener("alert", function (ev) {
    var a = JSON.parse(ev.data), box = document.getElementById("toast");
    var d = document.createElement("div");
    d.className = "flash " + (a.level === "danger" ? "error" : "info");
    d.textContent = a.message;
    d.addEventListener("click", function () { location.href = a.href; });
    box.appendChild(d);
  });
})();
