/* Live preview only (`build.py serve` answers /sw.js with this file): a service worker that
   removes itself and the guide's offline caches, so the preview never shows a stored page. */
"use strict";
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf("stretchguide:") === 0; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () {
    return self.registration.unregister();
  }));
});
