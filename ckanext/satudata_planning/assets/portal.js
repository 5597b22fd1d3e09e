/* Step 10 page: follow a provisioning run until it ends, then reload.
   Polls the small JSON endpoint named by data-url (no library needed). */
(function () {
  "use strict";
  var box = document.getElementById("satudata-provision-status");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-url");
  var text = box.querySelector("[data-role=text]");
  var bar = box.querySelector("progress");
  var running = { antri: true, berjalan: true };

  function show(s) {
    var total = s.total || 0;
    if (bar) {
      bar.max = total || 1;
      bar.value = s.done || 0;
    }
    if (text) {
      text.textContent = (box.getAttribute("data-label-" + s.state) || s.state) +
        ": " + (s.done || 0) + " / " + (total || "?") +
        " (" + (box.getAttribute("data-label-batch") || "batch") + " " + (s.batch || 0) + ")";
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        show(s);
        if (running[s.state]) {
          window.setTimeout(poll, 2000);
        } else if (box.getAttribute("data-state") !== s.state) {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  if (running[box.getAttribute("data-state")]) { poll(); }
})();
