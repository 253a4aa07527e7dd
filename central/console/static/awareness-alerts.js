// 立即运行预警规则: the leader's button (CSRF token from the page's meta tag).
(function () {
  var btn = document.getElementById("run-alerts");
  if (!btn) return;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  btn.addEventListener("click", function () {
    var out = document.getElementById("run-result");
    out.textContent = "运行中…";
    fetch("/api/awareness/alerts/run", { method: "POST", headers: { "X-CSRF-Token": csrf } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (a) { out.textContent = "新增预警 " + a.length + " 条"; setTimeout(function () { location.reload(); }, 600); })
      .catch(function (e) { out.textContent = "失败：" + e.message; });
  });
})();
