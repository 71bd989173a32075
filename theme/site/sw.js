/* The guide's service worker, written by the build at the site's root: after the first visit
   the guide works with no connection.
   - Installing it stores every page, stylesheet, script, font and figure of this build in one
     cache named by the build's digest. A rebuild changes the digest, so browsers install the
     new worker, which fills a new cache and deletes the old one: a page of an older build is
     never served beside a page of a newer one.
   - Pages and files come from that cache first; anything else of this guide (a PDF that is
     opened, a search language file) is stored in it when first fetched.
   - Embed pages and the JSON data are other sites' business: they are left to the network.
     The guide's own page about embedding is stored like every other page.
   Nothing is fetched from any other host. */
"use strict";

var BUILD = {{ digest | json_script }};
var PRECACHE = {{ precache | json_script }};
var PASS_THROUGH = {{ pass_through | json_script }};
var SCOPE = self.registration.scope;
var PREFIX = "stretchguide:" + SCOPE + ":";
var CACHE = PREFIX + BUILD;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // "reload": straight from the server, never from the HTTP cache, which may hold an older build.
    return cache.addAll(PRECACHE.map(function (path) {
      return new Request(new URL(path, SCOPE).href, { cache: "reload" });
    }));
  }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX) === 0 && name !== CACHE;
    }).map(function (name) {
      return caches.delete(name);
    }));
  }).then(function () {
    return self.clients.claim();
  }));
});

/* Is this a file of the guide? Not when it is on another host, outside the guide, or in a
   folder left to the network, unless the guide itself made it (the "Embed on your site" page). */
function ours(url) {
  var address = url.origin + url.pathname;
  if (url.origin !== self.location.origin || address.indexOf(SCOPE) !== 0) return false;
  var path = address.slice(SCOPE.length);
  return PRECACHE.indexOf(path) >= 0 || !PASS_THROUGH.some(function (prefix) { return path.indexOf(prefix) === 0; });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || !ours(url)) return;
  var page = request.mode === "navigate";
  event.respondWith(caches.open(CACHE).then(function (cache) {
    // A page's query (?routine=...) changes nothing the server sends.
    return cache.match(request, { ignoreSearch: page }).then(function (hit) {
      if (hit) return hit;
      return fetch(request).then(function (response) {
        if (response.ok && response.type === "basic" && !request.headers.has("range")) {
          cache.put(page ? url.origin + url.pathname : request, response.clone());
        }
        return response;
      });
    });
  }));
});
