/* Runs inside an embed page: tells the parent page how tall the content is.
 * Speaks two protocols: this guide's own ({type: "stretchguide:height"}, read by embed.js) and
 * WordPress's ({message: "height", value, secret}, read by wp-embed.js). Works sandboxed
 * without same-origin: no storage, no cookies, no top navigation; every API is guarded. */
(function () {
  "use strict";

  var parentWindow = null;
  try {
    if (window.parent && window.parent !== window) parentWindow = window.parent;
  } catch (error) { parentWindow = null; }
  if (!parentWindow) return; // opened on its own: nothing to tell, links work as they are

  // WordPress appends "#?secret=XXXXXXXXXX" to the iframe's src; nothing else uses the fragment.
  var secret = "";
  try {
    var match = /[#?&]secret=([A-Za-z0-9]+)/.exec(String(window.location.hash));
    if (match) secret = match[1];
  } catch (error) { secret = ""; }

  var content = document.querySelector(".sg-embed");
  var lastHeight = -1;

  function post(data) {
    try { parentWindow.postMessage(data, "*"); } catch (error) { /* parent gone */ }
  }

  function measure() {
    if (!content) return 0;
    var box = content.getBoundingClientRect();
    return Math.ceil(box.height);
  }

  function sendHeight(force) {
    var height = measure();
    if (!height || (!force && height === lastHeight)) return;
    lastHeight = height;
    post({ type: "stretchguide:height", height: height });
    if (secret) post({ message: "height", value: height, secret: secret });
  }

  function onMessage(event) {
    if (event.source !== parentWindow) return;
    var data = event.data;
    if (!data || typeof data !== "object") return;
    if (data.type === "stretchguide:ready") sendHeight(true);
    else if (secret && data.message === "ready" && data.secret === secret) sendHeight(true);
  }

  // Sandboxed without same-origin (WordPress does that) the frame may not navigate the page
  // itself: ask the host's script to, wp-embed.js by the WordPress protocol, else embed.js.
  var sandboxed = false;
  try { sandboxed = String(window.origin) === "null"; } catch (error) { sandboxed = false; }

  function onClick(event) {
    if (!(secret || sandboxed) || event.defaultPrevented || event.button) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var node = event.target;
    while (node && node.nodeName !== "A") node = node.parentNode;
    if (!node || !node.href) return;
    event.preventDefault();
    if (secret) post({ message: "link", value: node.href, secret: secret });
    else post({ type: "stretchguide:link", href: node.href });
  }

  function start() {
    content = document.querySelector(".sg-embed");
    sendHeight(true);
    if (typeof window.ResizeObserver === "function" && content) {
      new window.ResizeObserver(function () { sendHeight(false); }).observe(content);
    } else {
      window.addEventListener("resize", function () { sendHeight(false); });
    }
    // Web fonts change line breaks after they load.
    window.addEventListener("load", function () { sendHeight(false); });
    try {
      if (document.fonts && document.fonts.ready) document.fonts.ready.then(function () { sendHeight(false); });
    } catch (error) { /* no font loading API */ }
  }

  window.addEventListener("message", onMessage);
  document.addEventListener("click", onClick);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
