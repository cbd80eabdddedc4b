// Sunshine's service worker: it makes the web app installable and lets the
// pages marked for use without a network (the response header
// X-Sunshine-Offline: keep — the home visits page and its script, which hold
// no personal data) open offline. Every other page needs the network; offline
// it is answered by /offline, which says so plainly. API answers are never
// kept. Signing out deletes the visit data kept on the phone (the visits
// page's IndexedDB database, with its key) and the kept pages.
"use strict";
var SHELL = "sunshine-shell-v1";
var PAGES = "sunshine-pages";
var PRECACHE = ["/offline", "/static/app.css", "/static/app.js", "/static/icon.svg", "/static/picker.js", "/static/htmx.min.js"];

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(SHELL).then(function (c) { return c.addAll(PRECACHE); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("sunshine-shell-") === 0 && k !== SHELL; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function wipe() {
  return Promise.all([caches.delete(PAGES), new Promise(function (resolve) {
    var req = indexedDB.deleteDatabase("sunshine-visits");
    req.onsuccess = req.onerror = req.onblocked = function () { resolve(); };
  })]);
}

// expire deletes the visit data once its keeping period is over (the visits
// page does too when it opens; this covers a phone that does not open it),
// looking at most once an hour.
var expiryChecked = 0;
function expire() {
  if (Date.now() - expiryChecked < 3600 * 1000 || !indexedDB.databases) { return Promise.resolve(); }
  expiryChecked = Date.now();
  return indexedDB.databases().then(function (dbs) {
    if (!dbs.some(function (d) { return d.name === "sunshine-visits"; })) { return null; }
    return new Promise(function (resolve) {
      var req = indexedDB.open("sunshine-visits");
      req.onerror = function () { resolve(null); };
      req.onsuccess = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains("kv")) { db.close(); resolve(null); return; }
        var get = db.transaction("kv").objectStore("kv").get("meta");
        get.onsuccess = function () { db.close(); resolve(get.result); };
        get.onerror = function () { db.close(); resolve(null); };
      };
    });
  }).then(function (meta) {
    if (meta && meta.expires_at && Date.now() > meta.expires_at) { return wipe(); }
    return null;
  }).catch(function () { return null; });
}

function offline() {
  return caches.match("/offline").then(function (hit) {
    return hit || new Response("离线 · Offline", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  });
}

self.addEventListener("fetch", function (e) {
  var req = e.request;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  if (req.method === "POST" && url.pathname === "/logout") {
    e.waitUntil(wipe());
    e.respondWith(fetch(req).catch(offline));
    return;
  }
  if (req.method !== "GET" || url.pathname.indexOf("/api/") === 0 || url.pathname === "/sw.js") { return; }
  if (req.mode === "navigate") { e.waitUntil(expire()); }
  e.respondWith(fetch(req).then(function (res) {
    var keep = res.ok && res.headers.get("X-Sunshine-Offline") === "keep";
    var stat = res.ok && url.pathname.indexOf("/static/") === 0;
    if (keep || stat) {
      var copy = res.clone();
      e.waitUntil(caches.open(keep ? PAGES : SHELL).then(function (c) { return c.put(url.pathname, copy); }));
    }
    return res;
  }, function () {
    return caches.match(url.pathname).then(function (hit) {
      if (hit) { return hit; }
      return req.mode === "navigate" ? offline() : Response.error();
    });
  }));
});
