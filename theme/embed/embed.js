/* Host-side helper: sizes every iframe that shows one of this guide's embed pages to its content.
 * Load it with async or defer; it defines no globals. It trusts a message only when it comes
 * from one of those iframes' windows, and handles iframes added to the page later. */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src || typeof window.URL !== "function") return;
  var embedBase = new URL("./", script.src); // ".../embed/", the folder of every embed page
  var frames = [];
  var MAX_HEIGHT = 20000;

  function isEmbed(frame) {
    var src = frame.getAttribute("src");
    if (!src) return false;
    try {
      var url = new URL(src, document.baseURI);
      return url.origin === embedBase.origin && url.pathname.indexOf(embedBase.pathname) === 0 &&
        url.pathname.length > embedBase.pathname.length;
    } catch (error) { return false; }
  }

  function greet(frame) {
    // Ask the frame to (re)send its height, in case it spoke before this script listened.
    try { frame.contentWindow.postMessage({ type: "stretchguide:ready" }, "*"); } catch (error) { /* not loaded */ }
  }

  function track(frame) {
    if (frames.indexOf(frame) !== -1 || !isEmbed(frame)) return;
    frames.push(frame);
    frame.addEventListener("load", function () { greet(frame); });
    greet(frame);
  }

  function scan() {
    frames = frames.filter(function (frame) { return frame.isConnected; });
    var found = document.getElementsByTagName("iframe");
    for (var i = 0; i < found.length; i++) track(found[i]);
  }

  // With box-sizing: border-box a frame's border and padding eat into its height.
  function extra(frame) {
    try {
      var style = window.getComputedStyle(frame);
      if (style.boxSizing !== "border-box") return 0;
      return ["borderTopWidth", "borderBottomWidth", "paddingTop", "paddingBottom"].reduce(function (sum, key) {
        return sum + (parseFloat(style[key]) || 0);
      }, 0);
    } catch (error) { return 0; }
  }

  function sourceFrame(event) {
    if (!event.source) return null;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) return frames[i];
    }
    return null;
  }

  function resize(frame, data) {
    var height = Number(data.height);
    if (!isFinite(height) || height <= 0) return;
    frame.style.height = Math.min(Math.ceil(height) + extra(frame), MAX_HEIGHT) + "px";
  }

  // A sandboxed frame cannot open the full page itself: follow its link if it stays in this
  // guide and the reader is using that frame (it has the focus after a click or a key press).
  function follow(frame, data) {
    if (document.activeElement !== frame) return;
    try {
      var target = new URL(String(data.href), embedBase);
      if (target.origin === embedBase.origin && /^https?:$/.test(target.protocol)) window.location.href = target.href;
    } catch (error) { /* not a URL */ }
  }

  function onMessage(event) {
    var data = event.data;
    if (!data || typeof data !== "object") return;
    // A sandboxed frame without same-origin reports the origin "null".
    if (event.origin !== embedBase.origin && event.origin !== "null") return;
    var frame = sourceFrame(event);
    if (!frame) return;
    if (data.type === "stretchguide:height") resize(frame, data);
    else if (data.type === "stretchguide:link") follow(frame, data);
  }

  window.addEventListener("message", onMessage);
  scan();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  if (typeof window.MutationObserver === "function") {
    var pending = false;
    new window.MutationObserver(function () {
      if (pending) return;
      pending = true;
      window.setTimeout(function () { pending = false; scan(); }, 0);
    }).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ["src"] });
  }
})();
