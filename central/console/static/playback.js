// A copy that cannot be made (damaged segment, too large…): say why, keep the download.
document.querySelectorAll("video[data-playable]").forEach(function (v) {
  v.addEventListener("error", function () {
    var note = document.createElement("span");
    note.className = "danger";
    note.setAttribute("data-testid", "playback-error");
    note.textContent = "无法生成可播放副本，请下载原始片段。";
    v.replaceWith(note);
    fetch(v.src, { credentials: "same-origin", headers: { Range: "bytes=0-0" } })
      .then(function (r) { return r.ok ? null : r.json(); })
      .then(function (j) { if (j && j.detail && j.detail.message) note.textContent = j.detail.message; })
      .catch(function () {});
  });
});
