/* Live preview only (`build.py serve` adds this script to every page): reload the page when a
   new build is in. Why polling: it needs nothing but the plain HTTP server. */
(function () {
  "use strict";
  var known = null;
  function poll() {
    fetch("/__stretchguide__/build-id", { cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (id) {
        if (known !== null && id !== known) {
          window.location.reload();
          return;
        }
        known = id;
        window.setTimeout(poll, 500);
      })
      .catch(function () { window.setTimeout(poll, 1500); });
  }
  poll();
})();
