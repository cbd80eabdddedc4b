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
      // Offline (a page kept for home visits) there is no session to
      // extend: the page goes on working; ask again when back online.
      if (!navigator.onLine) {
        window.addEventListener("online", schedule, { once: true });
        return;
      }
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
      }, function () { dialog.hidden = true; }); // no network: nothing to extend
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

  // After a form is submitted, the focus goes to its result: the error
  // summary (or the first other error message), else the result message
  // (the flash), so that a screen reader reads it and a keyboard user
  // continues from there.
  var result = document.getElementById("error-summary") ||
    document.querySelector("main .error-summary") || document.querySelector("main .flash");
  if (result) {
    if (!result.hasAttribute("tabindex")) { result.setAttribute("tabindex", "-1"); }
    result.focus();
  }

  // The header menu (a <details>): Escape closes it and gives the focus back
  // to its button; so does a click or a Tab outside it.
  var menu = document.getElementById("site-menu");
  if (menu) {
    var summaryEl = menu.querySelector("summary");
    menu.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && menu.open) {
        menu.open = false;
        summaryEl.focus();
      }
    });
    document.addEventListener("click", function (e) {
      if (menu.open && !menu.contains(e.target)) { menu.open = false; }
    });
    document.addEventListener("focusin", function (e) {
      if (menu.open && !menu.contains(e.target)) { menu.open = false; }
    });
  }

  // Lists as cards on narrow screens (app.css): every cell of a data table
  // gets its column head as data-label, shown before the value. Explicit
  // table roles keep the table semantics for screen readers when the cells
  // are displayed as blocks.
  var isEn = (document.documentElement.getAttribute("lang") || "").indexOf("en") === 0;
  function headText(th) {
    var copy = th.cloneNode(true);
    var drop = copy.querySelectorAll(".visually-hidden, [aria-hidden=\"true\"]");
    for (var i = 0; i < drop.length; i++) { drop[i].parentNode.removeChild(drop[i]); }
    return copy.textContent.replace(/\s+/g, " ").trim();
  }
  function labelTable(table) {
    if (table.getAttribute("data-cards") === "done") { return; }
    table.setAttribute("data-cards", "done");
    table.setAttribute("role", "table");
    var heads = [];
    var thead = table.tHead;
    if (thead && thead.rows.length) {
      var row = thead.rows[thead.rows.length - 1];
      for (var c = 0; c < row.cells.length; c++) {
        var span = row.cells[c].colSpan || 1;
        for (var k = 0; k < span; k++) { heads.push(span === 1 ? headText(row.cells[c]) : ""); }
      }
      if (thead.querySelector("a")) { thead.setAttribute("data-sort-label", isEn ? "Sort by: " : "排序："); }
    }
    var groups = table.querySelectorAll(":scope > thead, :scope > tbody, :scope > tfoot");
    for (var g = 0; g < groups.length; g++) {
      groups[g].setAttribute("role", "rowgroup");
      var rows = groups[g].rows;
      for (var r = 0; r < rows.length; r++) {
        rows[r].setAttribute("role", "row");
        var col = 0;
        for (var j = 0; j < rows[r].cells.length; j++) {
          var cell = rows[r].cells[j];
          var n = cell.colSpan || 1;
          if (cell.tagName === "TH") {
            cell.setAttribute("role", groups[g].tagName === "THEAD" || cell.getAttribute("scope") === "col" ? "columnheader" : "rowheader");
          } else {
            cell.setAttribute("role", "cell");
          }
          if (groups[g].tagName !== "THEAD" && n === 1 && heads[col] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", heads[col]);
          }
          col += n;
        }
      }
    }
  }
  function labelTables(root) {
    var tables = (root || document).querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) { labelTable(tables[i]); }
  }
  labelTables(document);
  document.addEventListener("htmx:afterSwap", function () { labelTables(document); });

  // The installable app: the service worker (served from the site's root)
  // keeps the pages marked for use offline and answers others with a page
  // that says the network is needed. Browsers allow it over HTTPS (and on
  // this computer's own address) only.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
  }

  // Signing out deletes the home visits kept on this phone: ask first when
  // some records have not been sent yet (the visits page counts them).
  Array.prototype.forEach.call(document.querySelectorAll("form.logout"), function (f) {
    f.addEventListener("submit", function (e) {
      var n = 0;
      try { n = Number(window.localStorage.getItem("sunshine-visits-pending") || 0); } catch (err) { n = 0; }
      if (n > 0 && !window.confirm((f.getAttribute("data-pending-ask") || "").split("{n}").join(String(n)))) {
        e.preventDefault();
      }
    });
  });
})();
