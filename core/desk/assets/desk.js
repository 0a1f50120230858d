// Relais desk: refreshes a list page every 10 s by short polling with
// ETag/304 (never long polling). The page's <main> is replaced by the new
// one only when the server says it changed and no form field has focus.
(function () {
  "use strict";
  var main = document.querySelector("main[data-refresh]");
  if (!main || !window.fetch || !window.DOMParser) return;
  var etag = main.getAttribute("data-etag") || "";
  function poll() {
    var active = document.activeElement;
    if (active && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) return;
    fetch(window.location.href, { headers: etag ? { "If-None-Match": etag } : {}, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401 || r.redirected) { window.location.reload(); return null; }
        if (r.status !== 200) return null;
        etag = r.headers.get("ETag") || "";
        return r.text();
      })
      .then(function (text) {
        if (!text) return;
        var doc = new DOMParser().parseFromString(text, "text/html");
        var fresh = doc.querySelector("main[data-refresh]");
        if (fresh) main.innerHTML = fresh.innerHTML;
      })
      .catch(function () {});
  }
  window.setInterval(poll, 10000);
})();
