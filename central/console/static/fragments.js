// Fill each <section data-src="…"> with the HTML fragment its URL serves (same site,
// with the login cookie). Used for panels another package renders, e.g. the hearings
// beside a matter. Without JavaScript the section keeps its link to the fragment.
(function () {
  var sections = document.querySelectorAll("section[data-src]");
  Array.prototype.forEach.call(sections, function (sec) {
    var say = function (text) {
      var p = sec.querySelector(".loading") || sec.appendChild(document.createElement("p"));
      p.className = "muted loading";
      p.textContent = text;
      sec.setAttribute("data-state", "failed");
    };
    fetch(sec.getAttribute("data-src"), {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (r) {
        // a redirect here is the login page: the session has ended
        if (r.redirected) throw new Error("登录已过期，请刷新页面重新登录。");
        if (!r.ok) throw new Error("暂时无法载入（" + r.status + "），请稍后刷新页面。");
        return r.text();
      })
      .then(function (html) {
        sec.innerHTML = html;
        sec.setAttribute("data-state", "loaded");
      })
      .catch(function (e) {
        say(e && e.message && /[\u4e00-\u9fff]/.test(e.message) ? e.message : "暂时无法载入，请稍后刷新页面。");
      });
  });
})();
