// Sunshine: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Session timeout warning (WCAG 2.2.1): two minutes before the session ends,
  // offer to stay signed in with one click.
  var body = document.body;
  var expires = Number(body.getAttribute("data-expires") || 0);
  var dialog = document.getElementById("timeout");
  var warnBefore = 2 * 60 * 1000;
  var timer = null;
  function schedule() {
    if (!expires || !dialog) { return; }
    clearTimeout(timer);
    var wait = expires - Date.now() - warnBefore;
    timer = setTimeout(function () {
      dialog.hidden = false;
      var stay = document.getElementById("timeout-stay");
      if (stay) { stay.focus(); }
    }, Math.max(wait, 0));
  }
  if (dialog) {
    document.getElementById("timeout-stay").addEventListener("click", function () {
      fetch("/session/touch", { method: "POST", credentials: "same-origin" }).then(function (r) {
        if (r.ok) { return r.json(); }
        window.location.assign("/login");
      }).then(function (j) {
        if (j && j.expires_at) { expires = Date.parse(j.expires_at); }
        dialog.hidden = true;
        schedule();
      });
    });
    schedule();
  }

  // Import progress: poll the API and update the progress bar and the text.
  var prog = document.querySelector("[data-import-status]");
  if (prog) {
    var url = prog.getAttribute("data-import-status");
    var bar = prog.querySelector("progress");
    var text = prog.querySelector("[data-progress-text]");
    var poll = function () {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
        if (bar && s.rows_total) { bar.max = s.rows_total; bar.value = s.rows_done; }
        if (text) { text.textContent = s.rows_done + (s.rows_total ? " / " + s.rows_total : ""); }
        if (s.state === "running") { setTimeout(poll, 1000); } else { window.location.reload(); }
      });
    };
    setTimeout(poll, 1000);
  }

  // Move focus to the error summary after a failed form submission.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
