// Sunshine: home visits without a signal (issue 21).
//
// The visits page (/visits) is a shell without personal data; the service
// worker keeps it for use offline. The visit sheets and the records filled
// in on this phone live in IndexedDB, encrypted with AES-GCM under a key
// made here, which the browser keeps and never lets out (not extractable).
// Signing out deletes the key and the data (here, in the service worker and
// by the server's Clear-Site-Data); so do the end of the keeping period and
// another account signing in on this phone. The form is checked by the rules
// the server sends (GET /api/v1/visits/rules: made from the server's own
// checks); the server checks every save again, and a save based on a
// version of the record that has changed meanwhile comes back as a conflict
// to resolve side by side.
(function () {
  "use strict";
  var root = document.getElementById("visits");
  if (!root) { return; }
  var rules = JSON.parse(root.getAttribute("data-rules"));
  var words = JSON.parse(root.getAttribute("data-text"));
  var user = root.getAttribute("data-user");
  var year = Number(root.getAttribute("data-year"));
  var keepDays = Number(root.getAttribute("data-keep-days"));
  var lang = root.getAttribute("data-lang");
  var byField = {};
  rules.fields.forEach(function (f) { byField[f.field] = f; });
  var DAY = 24 * 3600 * 1000;
  var PENDING = "sunshine-visits-pending";

  function $(id) { return document.getElementById(id); }
  function tr(key, vars) {
    var s = words[key] || key;
    Object.keys(vars || {}).forEach(function (k) { s = s.split("{" + k + "}").join(String(vars[k])); });
    return s;
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function alertText(msg) {
    var a = $("v-alert");
    a.textContent = msg;
    a.hidden = !msg;
    if (msg) { a.focus(); }
  }
  function date(ms) {
    var d = new Date(ms);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  // ---- Storage: one IndexedDB store of a few records ------------------------
  // "meta" (clear: whose data, until when), "key" (the CryptoKey), "state"
  // (encrypted: the sheets and what was filled in).
  var dbPromise = null;
  function openDB() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open("sunshine-visits", 1);
        req.onupgradeneeded = function () { req.result.createObjectStore("kv"); };
        req.onsuccess = function () {
          var db = req.result;
          // The service worker deletes the database at sign-out: let it.
          db.onversionchange = function () { db.close(); dbPromise = null; };
          resolve(db);
        };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }
  function kv(mode, fn) {
    return openDB().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("kv", mode);
        var req = fn(tx.objectStore("kv"));
        tx.oncomplete = function () { resolve(req && req.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function get(k) { return kv("readonly", function (s) { return s.get(k); }); }
  function put(k, v) { return kv("readwrite", function (s) { return s.put(v, k); }); }
  function wipe() {
    localStorage.removeItem(PENDING);
    return openDB().then(function (db) { db.close(); dbPromise = null; }).then(function () {
      return new Promise(function (resolve) {
        var req = indexedDB.deleteDatabase("sunshine-visits");
        req.onsuccess = req.onerror = req.onblocked = function () { resolve(); };
      });
    });
  }

  var enc = new TextEncoder();
  function aad() { return enc.encode("sunshine-visits|" + user); }
  function key(create) {
    return get("key").then(function (k) {
      if (k || !create) { return k; }
      return crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]).then(function (nk) {
        return put("key", nk).then(function () { return nk; });
      });
    });
  }
  function seal(obj) {
    return key(true).then(function (k) {
      var iv = crypto.getRandomValues(new Uint8Array(12));
      return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: aad() }, k, enc.encode(JSON.stringify(obj)))
        .then(function (data) { return put("state", { iv: iv, data: data }); });
    });
  }
  function unseal() {
    return get("state").then(function (rec) {
      if (!rec) { return null; }
      return key(false).then(function (k) {
        if (!k) { throw new Error("unreadable"); }
        return crypto.subtle.decrypt({ name: "AES-GCM", iv: rec.iv, additionalData: aad() }, k, rec.data);
      }).then(function (plain) { return JSON.parse(new TextDecoder().decode(plain)); });
    });
  }

  // ---- State ---------------------------------------------------------------
  // state.sheets: the visit sheets (GET /api/v1/visits/sheets);
  // state.entries[person_id]: what was filled in: answers, base_version,
  // status ("waiting", "sent", "conflict", "error"), and for a conflict the
  // record as it is now, for an error the server's field errors.
  var state = { sheets: [], entries: {} };
  var meta = null;
  function save() {
    var n = counts();
    localStorage.setItem(PENDING, String(n.waiting + n.conflict + n.error));
    return seal(state).then(function () { return put("meta", meta); });
  }
  function sheetOf(id) {
    for (var i = 0; i < state.sheets.length; i++) {
      if (state.sheets[i].person_id === id) { return state.sheets[i]; }
    }
    return null;
  }
  function counts() {
    var n = { waiting: 0, conflict: 0, error: 0, sent: 0 };
    Object.keys(state.entries).forEach(function (k) { n[state.entries[k].status]++; });
    return n;
  }

  // ---- The rules (GET /api/v1/visits/rules) ---------------------------------
  // Go's strings.TrimSpace: Unicode white space.
  var space = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
  function trim(s) { return s.replace(space, ""); }
  function digits(s) { return /^[0-9]*$/.test(s); }
  function foldAmount(s) {
    var out = "";
    for (var ch of s) {
      var c = ch.codePointAt(0);
      if (c >= 0xff10 && c <= 0xff19) { ch = String.fromCharCode(48 + c - 0xff10); }
      else if (ch === "，") { ch = ","; }
      else if (ch === "．") { ch = "."; }
      else if (ch === "－" || ch === "−") { ch = "-"; }
      else if (ch === "\u3000" || ch === "\u00a0" || ch === "\t") { ch = " "; }
      out += ch;
    }
    return trim(out);
  }
  function ungroup(s) {
    var sep = s.indexOf(",") >= 0 ? "," : (s.indexOf(" ") >= 0 ? " " : "");
    if (!sep) { return s; }
    var groups = s.split(sep);
    for (var i = 0; i < groups.length; i++) {
      var g = groups[i];
      if ((i === 0 && (g.length < 1 || g.length > 3)) || (i > 0 && g.length !== 3)) { return null; }
    }
    return groups.join("");
  }
  // amount reads an amount of yuan as fen as the server's money.Amount does.
  function amount(typed) {
    var t = foldAmount(typed);
    var neg = false;
    if (t.charAt(0) === "-") { neg = true; t = trim(t.slice(1)); }
    if (t.charAt(0) === "¥" || t.charAt(0) === "￥") { t = trim(t.slice(1)); }
    if (!neg && t.charAt(0) === "-") { neg = true; t = trim(t.slice(1)); }
    if (t.slice(-1) === "元") { t = t.slice(0, -1); }
    t = trim(t);
    var wan = t.slice(-1) === "万";
    if (wan) { t = t.slice(0, -1); }
    t = trim(t);
    var dot = t.indexOf(".");
    var whole = dot < 0 ? t : t.slice(0, dot), frac = dot < 0 ? "" : t.slice(dot + 1);
    whole = ungroup(whole);
    if (whole === null || whole === "" || !digits(whole) || (dot >= 0 && (frac === "" || !digits(frac)))) { return { err: "format" }; }
    var scale = wan ? 6 : 2;
    if (frac.length > scale) { return { err: "decimals" }; }
    whole = whole.replace(/^0+/, "");
    if (whole.length + scale > 15) { return { err: "range" }; }
    var fen = Number(whole + frac + "0".repeat(scale - frac.length));
    return { fen: neg ? -fen : fen };
  }
  function quote(typed) {
    var s = Array.from(trim(typed));
    return s.length > 40 ? s.slice(0, 40).join("") + "…" : s.join("");
  }
  // readAmount reads an amount field as the server's money.Field.Read does:
  // { value } (a string of whole yuan, "" when empty) or { error }.
  function readAmount(rule, typed) {
    if (foldAmount(typed) === "") { return { value: "" }; }
    var say = function (k) { return { error: (rule.messages[k] || rule.messages.format).split("{v}").join(quote(typed)) }; };
    var a = amount(typed);
    if (a.err === "decimals" || (!a.err && rule.whole && a.fen % 100 !== 0)) { return say(rule.whole ? "whole" : "decimals"); }
    if (a.err === "range" || (!a.err && a.fen > rule.max)) { return say("range"); }
    if (a.err) { return say("format"); }
    if (a.fen < 0 && !rule.negative) { return say("negative"); }
    if (a.fen < -rule.max) { return say("range"); }
    return { value: String(Math.trunc(a.fen / 100)) };
  }
  function applies(rule, age) {
    return (!rule.min_age || age >= rule.min_age) && (!rule.max_age || age <= rule.max_age);
  }
  // check reads and checks answers for a sheet as the server would save
  // them: { answers } in the server's words, or { errors: [{field, message}] }.
  function check(values, sheet) {
    var out = {}, errors = [];
    rules.fields.forEach(function (r) {
      var v = values[r.field] || "";
      if (r.kind === "yesno") {
        if (v === "") { v = applies(r, sheet.age) ? "unknown" : "0"; }
        if (v !== "1" && v !== "0" && v !== "unknown") { errors.push({ field: r.field, message: r.messages.invalid }); return; }
        out[r.field] = v;
      } else if (r.kind === "amount") {
        var a = readAmount(r, v);
        if (a.error) { errors.push({ field: r.field, message: a.error }); return; }
        out[r.field] = a.value;
      } else {
        v = trim(v).toLowerCase();
        if (v === "") {
          if (r.required) { errors.push({ field: r.field, message: r.messages.empty }); return; }
          v = r["default"];
        } else if (r.choices.indexOf(v) < 0) { errors.push({ field: r.field, message: r.messages.invalid }); return; }
        out[r.field] = v;
      }
    });
    return errors.length ? { errors: errors } : { answers: out };
  }
  // The page's tests reach the rules through this (web-tests/tests/visits.test.js).
  window.sunshineVisitRules = { check: check, readAmount: readAmount };

  function answerWords(field, v) {
    var r = byField[field];
    if (v === undefined || v === "") { return tr("empty"); }
    if (r.kind === "yesno") { return rules.words[v] || v; }
    if (r.kind === "choice") { return r.names[v] || v; }
    return v;
  }

  // ---- Network status and the list -----------------------------------------
  var signedOut = false;
  function showStatus(extra) {
    var s = $("v-status");
    s.textContent = "";
    var n = counts();
    var parts = [navigator.onLine ? tr("online") : tr("offline")];
    if (n.waiting === 1) { parts.push(tr("waiting1")); } else if (n.waiting) { parts.push(tr("waiting", { n: n.waiting })); }
    if (n.conflict) { parts.push(tr(n.conflict === 1 ? "conflicts1" : "conflicts", { n: n.conflict })); }
    if (n.error) { parts.push(tr(n.error === 1 ? "errors1" : "errors", { n: n.error })); }
    if (extra) { parts.push(extra); }
    s.appendChild(document.createTextNode(parts.join(" ")));
    if (signedOut) {
      s.appendChild(document.createTextNode(" " + tr("signin") + " "));
      s.appendChild(el("a", { href: "/login?next=/visits" }, tr("signinLink")));
    }
    $("v-send").hidden = !(n.waiting && navigator.onLine);
    $("v-prepare-offline").hidden = navigator.onLine;
    $("v-load").disabled = !navigator.onLine;
  }
  function statusWord(e) {
    if (!e) { return tr("statusNew"); }
    return tr({ waiting: "statusWaiting", sent: "statusSent", conflict: "statusConflict", error: "statusError" }[e.status]);
  }
  function renderList() {
    var ul = $("v-items");
    ul.textContent = "";
    state.sheets.forEach(function (sh) {
      var e = state.entries[sh.person_id];
      var li = el("li", { "data-person": String(sh.person_id) });
      li.appendChild(el("strong", {}, sh.name));
      li.appendChild(document.createTextNode(" · " + sh.village_name + " · " + sh.id_masked + " · " + tr("age", { n: sh.age }) + " · "));
      li.appendChild(el("span", { "class": "visit-status" }, statusWord(e)));
      li.appendChild(document.createTextNode(" "));
      var label = e && e.status === "conflict" ? tr("resolve") : (e || sh.has_record ? tr("edit") : tr("fill"));
      var b = el("button", { type: "button", "class": "secondary" }, label);
      b.appendChild(el("span", { "class": "visually-hidden" }, tr("of") + sh.name));
      b.addEventListener("click", function () {
        if (e && e.status === "conflict") { openConflict(sh); } else { openForm(sh); }
      });
      li.appendChild(b);
      ul.appendChild(li);
    });
    var has = state.sheets.length > 0;
    $("v-kept").textContent = has ? tr("kept", { n: state.sheets.length, date: date(meta.expires_at) }) : tr("noSheets");
    $("v-wipe").hidden = !has;
    showStatus();
  }
  function showOnly(id) {
    ["v-list", "v-prepare", "v-form-section", "v-conflict-section"].forEach(function (s) { $(s).hidden = s !== id && !(id === "v-list" && s === "v-prepare"); });
  }
  function backToList(message) {
    showOnly("v-list");
    renderList();
    if (message) { showStatus(message); }
    $("v-list-h").focus();
  }

  // ---- Preparing -----------------------------------------------------------
  var candidates = [];
  function api(method, path, body) {
    var sep = path.indexOf("?") < 0 ? "?" : "&";
    var opts = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(path + sep + "lang=" + lang, opts).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (j) { return { status: res.status, body: j }; });
    });
  }
  $("v-load").addEventListener("click", function () {
    showStatus(tr("loading"));
    var unit = $("v-orgunit") ? $("v-orgunit").value : "";
    api("GET", "/api/v1/visits/candidates?year=" + year + (unit ? "&orgunit=" + encodeURIComponent(unit) : "")).then(function (r) {
      if (r.status === 401) { signedOut = true; showStatus(); return; }
      if (r.status !== 200) { alertText(tr("failed") + (r.body.error ? r.body.error.message : r.status)); return; }
      candidates = r.body.items;
      var list = $("v-candidates");
      list.textContent = "";
      candidates.forEach(function (c) {
        var li = el("li", { "class": "check" });
        var id = "v-c-" + c.person_id;
        li.appendChild(el("input", { type: "checkbox", id: id, value: String(c.person_id) }));
        li.appendChild(el("label", { "for": id }, c.name + " · " + c.village_name + " · " + c.id_masked + " · " +
          tr("age", { n: c.age }) + " · " + (c.has_record ? tr("hasRecord") : tr("noRecord"))));
        list.appendChild(li);
      });
      $("v-pick-legend").textContent = tr("candidates", { n: candidates.length }) + (r.body.more ? " " + tr("more", { n: candidates.length }) : "");
      $("v-pick").hidden = false;
      showStatus();
      $("v-missing").focus();
    }, function () { alertText(tr("needNetwork")); });
  });
  $("v-missing").addEventListener("click", function () {
    candidates.forEach(function (c) { $("v-c-" + c.person_id).checked = !c.has_record; });
  });
  $("v-pick").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var ids = candidates.filter(function (c) { return $("v-c-" + c.person_id).checked; }).map(function (c) { return c.person_id; });
    if (!ids.length) { alertText(tr("noneChosen")); return; }
    api("POST", "/api/v1/visits/sheets", { year: year, person_ids: ids }).then(function (r) {
      if (r.status === 401) { signedOut = true; showStatus(); return; }
      if (r.status !== 200) { alertText(tr("failed") + (r.body.error ? r.body.error.message : r.status)); return; }
      r.body.items.forEach(function (sh) {
        var e = state.entries[sh.person_id];
        if (e && e.status !== "sent") { return; } // keep what is waiting, and the sheet it is based on
        delete state.entries[sh.person_id];
        var old = sheetOf(sh.person_id);
        if (old) { state.sheets[state.sheets.indexOf(old)] = sh; } else { state.sheets.push(sh); }
      });
      var now = Date.now();
      meta = { user: user, prepared_at: now, expires_at: now + keepDays * DAY };
      return save().then(function () {
        $("v-pick").hidden = true;
        alertText("");
        backToList(tr("chosen", { n: r.body.items.length }));
      });
    }, function () { alertText(tr("needNetwork")); });
  });

  // ---- The form --------------------------------------------------------------
  var current = null; // the sheet being filled in
  function field(name) { return document.querySelector('#v-form [data-field="' + name + '"]'); }
  function setErrors(errors) {
    var box = $("v-form-errors"), ul = box.querySelector("ul");
    ul.textContent = "";
    rules.fields.forEach(function (r) {
      var p = $("v-e-" + r.field);
      p.hidden = true;
      p.textContent = "";
      var input = $("v-" + r.field); // a yes/no question: its fieldset
      input.removeAttribute("aria-invalid");
      var described = [];
      var hint = $("v-h-" + r.field);
      if (hint) { described.push(hint.id); }
      if (!$("v-l-" + r.field).hidden) { described.push("v-l-" + r.field); }
      if (described.length) { input.setAttribute("aria-describedby", described.join(" ")); } else { input.removeAttribute("aria-describedby"); }
    });
    box.hidden = !errors.length;
    if (!errors.length) { return; }
    $("v-form-errors-h").textContent = tr("errorTitle", { n: errors.length });
    errors.forEach(function (e) {
      var r = byField[e.field];
      var p = $("v-e-" + e.field);
      if (!r || !p) { ul.appendChild(el("li", {}, e.message)); return; }
      p.textContent = e.message;
      p.hidden = false;
      var input = $("v-" + e.field);
      if (r.kind !== "yesno") { input.setAttribute("aria-invalid", "true"); }
      input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " v-e-" + e.field).trim());
      var li = el("li");
      var a = el("a", { href: "#v-" + e.field }, e.message);
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        var target = r.kind === "yesno" ? document.querySelector('input[name="' + e.field + '"]') : input;
        target.focus();
      });
      li.appendChild(a);
      ul.appendChild(li);
    });
    box.focus();
  }
  function fill(values) {
    rules.fields.forEach(function (r) {
      var v = values[r.field] || "";
      if (r.kind === "yesno") {
        document.querySelectorAll('#v-form input[name="' + r.field + '"]').forEach(function (i) { i.checked = i.value === v; });
      } else {
        $("v-" + r.field).value = v === "" && r.kind === "choice" && !r.required ? r["default"] : v;
      }
    });
  }
  function openForm(sh, errors) {
    current = sh;
    var e = state.entries[sh.person_id];
    $("v-form-h").textContent = tr("formTitle", { year: sh.year, name: sh.name });
    $("v-form-person").textContent = sh.village_name + " · " + sh.id_masked + " · " + tr("age", { n: sh.age });
    var skipped = [];
    rules.fields.forEach(function (r) {
      var box = field(r.field);
      var ask = r.kind !== "yesno" || sh.ask.indexOf(r.field) >= 0;
      box.hidden = !ask;
      box.querySelectorAll("input, select").forEach(function (i) { i.disabled = !ask; });
      if (!ask) { skipped.push(r.label); }
      var hint = $("v-l-" + r.field);
      hint.hidden = !sh.last;
      hint.textContent = sh.last ? tr("last", { year: sh.year - 1, answer: answerWords(r.field, sh.last[r.field]) }) : "";
    });
    $("v-form-skipped").hidden = !skipped.length;
    $("v-form-skipped").textContent = skipped.length ? tr("skipped", { age: sh.age, list: skipped.join(lang === "en" ? ", " : "、") }) : "";
    fill(e ? e.answers : (sh.answers || {}));
    showOnly("v-form-section");
    showStatus();
    setErrors(errors || (e && e.status === "error" ? e.errors || [] : []));
    if (!(errors && errors.length) && !(e && e.status === "error")) { $("v-form-h").focus(); }
  }
  function formValues() {
    var values = {};
    rules.fields.forEach(function (r) {
      if (r.kind === "yesno") {
        var c = document.querySelector('#v-form input[name="' + r.field + '"]:checked');
        values[r.field] = c && !c.disabled ? c.value : "";
      } else {
        values[r.field] = $("v-" + r.field).value;
      }
    });
    return values;
  }
  $("v-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var sh = current;
    var res = check(formValues(), sh);
    if (res.errors) { setErrors(res.errors); return; }
    var old = state.entries[sh.person_id];
    state.entries[sh.person_id] = { answers: res.answers, status: "waiting", saved_at: Date.now(),
      base_version: old && old.status !== "sent" ? old.base_version : sh.base_version };
    save().then(function () {
      backToList(tr("savedLocal", { name: sh.name }));
      send();
    });
  });
  $("v-form-back").addEventListener("click", function () { backToList(); });

  // ---- Sending ---------------------------------------------------------------
  function same(a, b) {
    return rules.fields.every(function (r) { return (a[r.field] || "") === (b[r.field] || ""); });
  }
  var sending = false;
  function send() {
    if (sending || !navigator.onLine) { return Promise.resolve(); }
    var ids = Object.keys(state.entries).filter(function (k) { return state.entries[k].status === "waiting"; });
    if (!ids.length) { return Promise.resolve(); }
    sending = true;
    showStatus(tr("sending"));
    var sent = 0;
    var step = function (i) {
      if (i >= ids.length) { return Promise.resolve(); }
      var id = Number(ids[i]), e = state.entries[id], sh = sheetOf(id);
      return api("POST", "/api/v1/visits/saves", { person_id: id, year: sh.year, base_version: e.base_version, answers: e.answers }).then(function (r) {
        var done = function (version, answers) {
          sh.base_version = version;
          sh.has_record = true;
          sh.answers = answers;
          state.entries[id] = { status: "sent", answers: answers, base_version: version };
          sent++;
        };
        if (r.status === 200) { done(r.body.version, r.body.answers); }
        else if (r.status === 409 && r.body.current) {
          // Sent before, its answer lost on the way: the record is ours.
          if (same(r.body.current.answers, e.answers)) { done(r.body.current.version, r.body.current.answers); }
          else { e.status = "conflict"; e.current = r.body.current; e.message = r.body.error.message; }
        } else if (r.status === 401) { signedOut = true; return "stop"; }
        else if (r.status === 422 || r.status === 404 || r.status === 403 || r.status === 409) {
          e.status = "error";
          e.errors = (r.body.error && r.body.error.fields) || [];
          if (!e.errors.length && r.body.error) { e.errors = [{ field: "", message: r.body.error.message }]; }
        } else { return "stop"; } // the server is not well: try again later
        return save().then(function () { return step(i + 1); });
      }, function () { return "stop"; }); // the network went away
    };
    return step(0).then(function () {
      sending = false;
      renderList();
      if (sent) { showStatus(tr(sent === 1 ? "sent1" : "sent", { n: sent })); }
    }, function (err) { sending = false; alertText(tr("failed") + err); });
  }
  $("v-send").addEventListener("click", function () { send(); });
  window.addEventListener("online", function () { showStatus(); send(); });
  window.addEventListener("offline", function () { showStatus(); });

  // ---- A conflict, side by side --------------------------------------------
  function openConflict(sh) {
    current = sh;
    var e = state.entries[sh.person_id], cur = e.current;
    $("v-conflict-h").textContent = tr("conflictTitle", { name: sh.name });
    $("v-conflict-who").textContent = (e.message ? e.message + " " : "") +
      tr("conflictWho", { who: cur.updated_by || "—", when: cur.updated_at.replace("T", " ").slice(0, 16) });
    var rows = $("v-conflict-rows");
    rows.textContent = "";
    rules.fields.forEach(function (r) {
      var mine = e.answers[r.field] || "", theirs = cur.answers[r.field] || "";
      if (mine === theirs) { return; }
      var tr_ = el("tr", { "data-field": r.field });
      tr_.appendChild(el("th", { scope: "row", id: "v-c-h-" + r.field }, r.label));
      [["mine", mine, "keepMine"], ["theirs", theirs, "keepTheirs"]].forEach(function (side) {
        var td = el("td", { "data-label": tr(side[0]) }); // the column's name, shown on a phone
        var div = el("div", { "class": "check" });
        var id = "v-k-" + r.field + "-" + side[0];
        div.appendChild(el("input", { type: "radio", name: "k-" + r.field, id: id, value: side[0] }));
        var label = el("label", { "for": id }, answerWords(r.field, side[1]));
        label.appendChild(el("span", { "class": "visually-hidden" }, " — " + tr(side[2]) + tr("of") + r.label));
        div.appendChild(label);
        td.appendChild(div);
        tr_.appendChild(td);
      });
      rows.appendChild(tr_);
    });
    $("v-conflict-errors").hidden = true;
    showOnly("v-conflict-section");
    $("v-conflict-h").focus();
  }
  ["mine", "theirs"].forEach(function (side) {
    $("v-conflict-all-" + side).addEventListener("click", function () {
      document.querySelectorAll('#v-conflict-rows input[value="' + side + '"]').forEach(function (i) { i.checked = true; });
    });
  });
  $("v-conflict-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var sh = current, e = state.entries[sh.person_id], cur = e.current;
    var merged = Object.assign({}, cur.answers), missing = false;
    document.querySelectorAll("#v-conflict-rows tr").forEach(function (row) {
      var f = row.getAttribute("data-field");
      var c = row.querySelector("input:checked");
      if (!c) { missing = true; return; }
      if (c.value === "mine") { merged[f] = e.answers[f]; }
    });
    if (missing) {
      var box = $("v-conflict-errors");
      box.textContent = tr("chooseAll");
      box.hidden = false;
      box.focus();
      return;
    }
    state.entries[sh.person_id] = { answers: merged, status: "waiting", saved_at: Date.now(), base_version: cur.version };
    save().then(function () {
      backToList();
      send();
    });
  });
  $("v-conflict-back").addEventListener("click", function () { backToList(); });

  $("v-wipe").addEventListener("click", function () {
    var n = counts();
    if ((n.waiting + n.conflict + n.error) && !window.confirm(tr("wipeAsk"))) { return; }
    wipe().then(function () {
      state = { sheets: [], entries: {} };
      meta = null;
      renderList();
      alertText(tr("wiped"));
    });
  });

  // ---- Start -----------------------------------------------------------------
  if (!window.crypto || !crypto.subtle || !window.indexedDB) {
    $("v-prepare").hidden = true;
    alertText(tr("noCrypto"));
    return;
  }
  get("meta").then(function (m) {
    var why = "";
    if (m && m.user !== user) { why = "otherUser"; }
    else if (m && Date.now() > m.expires_at) { why = "expired"; }
    if (why) { return wipe().then(function () { alertText(tr(why)); return null; }); }
    meta = m;
    return unseal().catch(function () {
      return wipe().then(function () { meta = null; alertText(tr("unreadable")); return null; });
    });
  }).then(function (s) {
    if (s) { state = s; }
    renderList();
    showOnly("v-list");
    send();
  });
})();
