/* "Embed on your site": a picker that rewrites every snippet and live example for one stretch or
 * routine. `?stretch=ID` (from a stretch page's "Embed this stretch" link) chooses it on arrival.
 * Without script the page shows the snippets for its first stretch and the list of all of them. */
(function () {
  "use strict";

  var select = document.getElementById("sg-embed-choice");
  if (!select) return;

  function each(selector, action) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), action);
  }

  function choose(option) {
    var id = option.value;
    var kind = option.getAttribute("data-kind");
    var title = option.getAttribute("data-title");
    each("[data-sg-id]", function (node) { node.textContent = id; });
    each("[data-sg-title]", function (node) { node.textContent = title; });
    each("[data-sg-kind]", function (node) { node.textContent = kind === "routine" ? "routines" : "stretches"; });
    each("iframe[data-sg-live]", function (frame) {
      var src = frame.getAttribute("src").replace(/embed\/[a-z0-9-]+\/$/, "embed/" + id + "/");
      if (src !== frame.getAttribute("src")) frame.setAttribute("src", src);
      frame.setAttribute("title", title);
    });
    // The web component shows stretches only: it keeps its stretch when a routine is chosen.
    var stretch = kind === "stretch";
    if (stretch) {
      each("[data-sg-stretch]", function (node) { node.textContent = id; });
      each("stretch-card", function (card) { card.setAttribute("stretch", id); });
    }
    each(".sg-embed-routine-note", function (note) { note.hidden = stretch; });
  }

  var wanted = new URLSearchParams(window.location.search).get("stretch");
  Array.prototype.forEach.call(select.options, function (option) {
    if (option.value === wanted) option.selected = true;
  });
  select.closest(".sg-embed-pick").hidden = false;
  select.addEventListener("change", function () { choose(select.options[select.selectedIndex]); });
  choose(select.options[select.selectedIndex]);
})();
