// Sunshine: the person picker as a combobox (WAI-ARIA 1.2 combobox with a
// listbox popup). Without this file the picker is a search field whose
// button submits the form, which comes back with the matches as radio
// buttons (templates/picker.html); with it the matches are listed as the
// person types, chosen with the arrows and Enter (or a tap), and Escape
// closes the list.
(function () {
  "use strict";

  function text(lang, zh, en) { return lang === "en" ? en : zh; }

  function setup(box) {
    var field = box.getAttribute("data-field");
    var source = box.getAttribute("data-picker");
    var lang = box.getAttribute("data-lang") || "zh";
    var input = document.getElementById("f-" + field);
    var chosen = document.getElementById("c-" + field);
    var form = input && input.form;
    if (!input || !form || !source) { return; }

    var list = document.createElement("ul");
    list.id = "l-" + field;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    var label = box.querySelector("label[for='f-" + field + "']");
    if (label) {
      label.id = label.id || "lb-" + field;
      list.setAttribute("aria-labelledby", label.id);
    }
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.id = "s-" + field;
    input.parentNode.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    var items = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function say(msg) {
      // Emptied first, so that the same message is announced again.
      status.textContent = "";
      setTimeout(function () { status.textContent = msg; }, 50);
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function mark(i) {
      var opts = list.querySelectorAll("[role=option]");
      for (var k = 0; k < opts.length; k++) {
        opts[k].setAttribute("aria-selected", k === i ? "true" : "false");
      }
      active = i;
      if (i >= 0 && opts[i]) {
        input.setAttribute("aria-activedescendant", opts[i].id);
        opts[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function describe(it) {
      return it.unit + (it.id_masked ? " · " + it.id_masked : "");
    }

    function choose(i) {
      var it = items[i];
      if (!it) { return; }
      // The matches of a search without JavaScript are radio buttons of the
      // same name: the choice made here replaces them.
      var radios = document.getElementById("r-" + field);
      if (radios) { radios.parentNode.removeChild(radios); }
      var hidden = form.querySelector("input[type=hidden][name='" + field + "']");
      if (!hidden) {
        hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = field;
        box.appendChild(hidden);
      }
      hidden.value = String(it.id);
      if (chosen) {
        chosen.textContent = "";
        chosen.appendChild(document.createTextNode(text(lang, "已选择：", "Chosen: ")));
        var strong = document.createElement("strong");
        strong.textContent = it.name;
        chosen.appendChild(strong);
        chosen.appendChild(document.createTextNode(" "));
        var sub = document.createElement("span");
        sub.className = "sub";
        sub.textContent = describe(it);
        chosen.appendChild(sub);
        chosen.hidden = false;
      }
      input.value = it.name;
      // The name put in the field is not a new search for the server.
      var seen = form.querySelector("input[type=hidden][name='" + field + "_seen']");
      if (seen) { seen.value = it.name; }
      input.removeAttribute("aria-invalid");
      close();
      say(text(lang, "已选择 " + it.name + "，" + describe(it), "Chosen: " + it.name + ", " + describe(it)));
    }

    function render(answer) {
      items = answer.items || [];
      list.textContent = "";
      items.forEach(function (it, i) {
        var li = document.createElement("li");
        li.id = "o-" + field + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-id", String(it.id));
        li.appendChild(document.createTextNode(it.name + " "));
        var sub = document.createElement("span");
        sub.className = "sub";
        sub.textContent = describe(it);
        li.appendChild(sub);
        // mousedown, not click: it comes before the field's blur closes the list.
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (items.length === 0) {
        close();
        say(text(lang, "没有找到符合的人。", "No one matches."));
        return;
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      var more = answer.more ? text(lang, "（还有更多，可输入更多字缩小范围）", " (there are more: type more to narrow down)") : "";
      say(text(lang, "找到 " + items.length + " 人" + more + "，用上下箭头选择，按回车确定。",
        items.length + " found" + more + "; use the up and down arrows, then Enter."));
    }

    function search() {
      var q = input.value.trim();
      if (q.length < 2) { close(); items = []; return; }
      var n = ++asked;
      fetch(source + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (answer) { if (n === asked) { render(answer); } })
        .catch(function () { /* the search button still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (!open && items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        if (items.length) { mark(Math.min(active + 1, items.length - 1)); }
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        if (open && items.length) { mark(Math.max(active - 1, 0)); }
      } else if (e.key === "Enter") {
        if (open && active >= 0) {
          e.preventDefault();
          choose(active);
        }
      } else if (e.key === "Escape") {
        // Closes the list, and a search on its way does not open it again.
        clearTimeout(timer);
        asked++;
        if (open) {
          e.preventDefault();
          close();
        }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  var boxes = document.querySelectorAll("[data-picker]");
  for (var i = 0; i < boxes.length; i++) { setup(boxes[i]); }
})();
