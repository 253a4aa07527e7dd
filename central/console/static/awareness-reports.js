// 生成月度报告 (CSRF token from the page's meta tag).
(function () {
  var btn = document.getElementById("make-report");
  if (!btn) return;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  btn.addEventListener("click", function () {
    var out = document.getElementById("report-result");
    out.textContent = "生成中…";
    fetch("/api/awareness/reports", { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ month: document.getElementById("report-month").value }) })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function () { location.reload(); })
      .catch(function (e) { out.textContent = "失败：" + e.message; });
  });
})();
