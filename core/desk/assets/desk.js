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

// Compose forms: the prefecture list follows the region chosen. Without
// JavaScript every prefecture stays listed under its region and the server
// checks that the two go together.
(function () {
  "use strict";
  var selects = document.querySelectorAll("select[data-follows]");
  Array.prototype.forEach.call(selects, function (pref) {
    var region = document.getElementById(pref.getAttribute("data-follows"));
    if (!region) return;
    function follow() {
      var chosen = region.value;
      Array.prototype.forEach.call(pref.querySelectorAll("optgroup"), function (group) {
        var show = !chosen || group.getAttribute("data-region") === chosen;
        group.hidden = !show;
        group.disabled = !show;
      });
      var current = pref.options[pref.selectedIndex];
      if (current && current.value && chosen && current.getAttribute("data-region") !== chosen) pref.value = "";
    }
    region.addEventListener("change", follow);
    follow();
  });
})();
