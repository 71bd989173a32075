/* Two enhancements of every page of the guide, both optional:
   - A stretch page opened from a routine (?routine=ID&step=N) gets Previous and Next in that
     routine's order, in the footer too, instead of A to Z. Without this script the page's
     "In a routine" list offers the same links.
   - The service worker (sw.js, at the site's root) is registered, so the guide works offline
     after the first visit. */
(function () {
  "use strict";

  var script = document.currentScript;

  function routineOrder() {
    var params = new URLSearchParams(window.location.search);
    var routine = params.get("routine");
    if (!routine) return;
    var places = document.querySelectorAll(".sg-in-routine > li[data-routine]");
    var place = null;
    for (var i = 0; i < places.length; i++) {
      var candidate = places[i];
      if (candidate.getAttribute("data-routine") !== routine) continue;
      if (!place || candidate.getAttribute("data-step") === params.get("step")) place = candidate;
    }
    if (!place) return;
    place.classList.add("sg-in-routine--current");
    var routineLink = place.querySelector("a");
    var name = routineLink ? routineLink.textContent : "";
    [["previous", "prev"], ["next", "next"]].forEach(function (pair) {
      var ours = place.querySelector(".sg-in-routine__" + pair[0]);
      var footer = document.querySelector(".md-footer__link--" + pair[1]);
      if (!footer) return;
      if (!ours) ours = routineLink;  // the first stretch's Previous goes back to the routine
      var title = ours === routineLink ? name : ours.textContent.replace(/^[^:]*:\s*/, "");
      footer.href = ours.href;
      var direction = footer.querySelector(".md-footer__direction");
      var label = footer.querySelector(".md-footer__title .md-ellipsis") || footer.querySelector(".md-ellipsis");
      if (label) label.textContent = title;
      var words = place.parentNode.getAttribute("data-" + pair[0] + "-label");
      if (direction && words) direction.textContent = words.replace("{title}", name);
      footer.setAttribute("aria-label", (direction ? direction.textContent : pair[0]) + ": " + title);
    });
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !script || !/^https?:$/.test(window.location.protocol)) return;
    var root = new URL("../../", script.src);  // this script is assets/sg/guide.js
    navigator.serviceWorker.register(new URL("sw.js", root).href, { scope: root.pathname })
      .catch(function () { /* no worker (private mode, file://): the guide works online as before */ });
  }

  routineOrder();
  registerWorker();
})();
