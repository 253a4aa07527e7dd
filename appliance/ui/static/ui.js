// Keeps the header badges and the offline banner current, follows the rating, and
// turns the waiting-room slideshow. The pages work without it (plain forms).
(function () {
  "use strict";
  var phase = document.body.dataset.phase;
  function $(id) { return document.getElementById(id); }
  function paint(s) {
    var rec = $("rec-badge");
    if (rec) {
      rec.classList.toggle("rec-on", s.recording);
      rec.classList.toggle("rec-off", !s.recording);
      $("rec-text").textContent = s.recording ? "录制中" : "未录制";
      $("rec-seg").textContent = s.segments_spooled;
      $("rec-up").textContent = s.upload_pending;
    }
    var net = $("net-badge");
    if (net) {
      net.classList.toggle("net-off", s.offline);
      net.classList.toggle("net-on", !s.offline);
      net.textContent = s.offline ? "离线" : "在线";
    }
    var banner = $("offline-banner");
    if (banner) banner.hidden = !s.offline;
    // the rating came from the buttons: show the end of the reception
    if (phase === "rating" && s.phase !== "rating") location.href = "/";
  }
  function poll() {
    fetch("/api/state", { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s) paint(s); })
      .catch(function () { /* the box itself is restarting: keep the page */ })
      .finally(function () { setTimeout(poll, phase === "rating" ? 500 : 2000); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    poll();
    var rot = document.querySelector("[data-rotate]");
    if (rot) setTimeout(function () { location.href = rot.dataset.next; }, rot.dataset.rotate * 1000);
  });
})();
