package centres

// rollcallJS keeps the roll call's summary ("N present, M absent") up to
// date as boxes are ticked; the page works without it.
const rollcallJS = `(function () {
  "use strict";
  var form = document.getElementById("rollcall");
  var out = document.getElementById("rc-summary");
  if (!form || !out) { return; }
  var tpl = out.getAttribute("data-template") || "%p / %a";
  function update() {
    var boxes = form.querySelectorAll("input[name=present]");
    var p = 0;
    for (var i = 0; i < boxes.length; i++) { if (boxes[i].checked) { p++; } }
    out.textContent = tpl.replace("%p", p).replace("%a", boxes.length - p);
  }
  form.addEventListener("change", update);
})();
`

// rollcallCSS makes each person of the roll call a large target (at least
// 44 px high), a person marked absent standing out.
const rollcallCSS = `.rollcall-list { list-style: none; padding: 0; margin: 0 0 1rem; display: grid; gap: 0.5rem; grid-template-columns: repeat(auto-fill, minmax(min(100%, 16rem), 1fr)); }
.rollcall-list label { display: flex; align-items: center; gap: 0.75rem; min-height: 3.5rem; padding: 0.5rem 0.75rem; border: 2px solid var(--line); border-radius: 6px; cursor: pointer; background: var(--panel); }
.rollcall-list input[type="checkbox"] { width: 1.75rem; height: 1.75rem; flex: none; margin: 0; }
.rollcall-list label:has(input:not(:checked)) { border-style: dashed; border-color: var(--error); }
.rollcall-list label:focus-within { outline: 3px solid var(--focus); outline-offset: 2px; }
.rollcall-list .who { min-width: 0; overflow-wrap: anywhere; }
.rollcall-list .absent-mark { display: none; font-weight: 700; color: var(--error); }
.rollcall-list label:has(input:not(:checked)) .absent-mark { display: inline; }
.rc-summary { font-size: 1.2em; font-weight: 700; }
`
