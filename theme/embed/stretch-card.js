/* <stretch-card stretch="ID"></stretch-card>: one stretch of this guide, drawn inside a shadow
 * root from the guide's JSON, so the host page's CSS cannot reach in and ours cannot leak out.
 * Every piece of content goes in with textContent or an attribute, never as markup. */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src || !window.customElements || typeof window.URL !== "function") return;
  if (window.customElements.get("stretch-card")) return;
  var siteRoot = new URL("../", script.src); // the script lives in <site>/embed/
  var ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  var FONT_FAMILY = "stretchguide Atkinson Hyperlegible";
  var fontsAdded = false;

  // @font-face is ignored inside shadow roots, so the font is registered with the document.
  function addFonts() {
    if (fontsAdded || !document.fonts || typeof window.FontFace !== "function") return;
    fontsAdded = true;
    [["400", "atkinson-hyperlegible-latin-400-normal.woff2"], ["700", "atkinson-hyperlegible-latin-700-normal.woff2"]]
      .forEach(function (font) {
        try {
          var face = new window.FontFace(FONT_FAMILY, "url(" + new URL("embed/fonts/" + font[1], siteRoot).href + ")",
            { weight: font[0], style: "normal", display: "swap" });
          document.fonts.add(face);
          face.load().catch(function () { /* falls back to system fonts */ });
        } catch (error) { /* no font loading API */ }
      });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function list(tag, className, items) {
    var node = el(tag, className);
    (items || []).forEach(function (item) { node.appendChild(el("li", null, item)); });
    return node;
  }

  function section(level, title, body) {
    var node = el("section", "sg-embed__section");
    node.appendChild(el("h" + level, "sg-embed__heading", title));
    node.appendChild(body);
    return node;
  }

  function safetyBox(level, modifier, symbol, title, items) {
    var node = el("section", "sg-safety sg-safety--" + modifier);
    var heading = el("h" + level, "sg-safety__title");
    var icon = el("span", null, symbol + "\uFE0E");
    icon.setAttribute("aria-hidden", "true");
    heading.appendChild(icon);
    heading.appendChild(document.createTextNode(" " + title));
    node.appendChild(heading);
    node.appendChild(list("ul", null, items));
    return node;
  }

  function alternativeLine(alternative) {
    var node = el("p", "sg-alternative");
    node.appendChild(el("strong", "sg-alternative__label", "Another option:"));
    node.appendChild(document.createTextNode(" do the "));
    var links = alternative.links || {};
    var link = el("a", null, alternative.title);
    link.setAttribute("href", new URL(links.page_url || links.page || "", siteRoot).href);
    node.appendChild(link);
    node.appendChild(document.createTextNode(" instead " + String(alternative.when || "").replace(/\.$/, "") + "."));
    return node;
  }

  function warningNote(guide) {
    var node = el("aside", "sg-redflag-note");
    node.setAttribute("aria-label", "Warning signs");
    var text = el("p");
    text.appendChild(el("strong", "sg-redflag-note__label", "Warning signs."));
    text.appendChild(document.createTextNode(" Some symptoms mean you must stop and get medical help, " +
      "and a few need emergency care at once." +
      (guide.emergency_number ? " In an emergency, call " + guide.emergency_number + "." : "") + " "));
    var link = el("a", null, "Read the warning signs and what to do");
    link.setAttribute("href", new URL(guide.warning_signs_url || guide.warning_signs || "", siteRoot).href);
    text.appendChild(link);
    text.appendChild(document.createTextNode("."));
    node.appendChild(text);
    return node;
  }

  function reviewLine(review, language) {
    if (!review) return el("p", "sg-review", "Not yet reviewed by a clinician.");
    var details = [review.role, review.registration].filter(function (part) { return part; }).join(", ");
    var node = el("p", "sg-review", "Reviewed by " + review.by + (details ? " (" + details + ")" : "") + " on ");
    var time = el("time", null, review.on);
    time.setAttribute("datetime", review.on);
    try {
      time.textContent = new Date(review.on + "T00:00:00Z").toLocaleDateString("en-GB",
        { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
    } catch (error) { /* keep the ISO date */ }
    node.appendChild(time);
    node.appendChild(document.createTextNode("."));
    return node;
  }

  // The key to the figure, as on the stretch page: bordered boxes and a hatch, so it also prints.
  function figureKey(helper) {
    var node = el("p", "sg-legend sg-embed__legend");
    var items = [["target", "Feel it here"], ["far", "Far-side arm or leg"]];
    if (helper) items.push(["helper", "Helper"]);
    items.forEach(function (item, index) {
      if (index) node.appendChild(document.createTextNode(" "));
      var entry = el("span", "sg-legend__item");
      entry.appendChild(el("span", "sg-legend__key sg-legend__key--" + item[0]));
      entry.appendChild(document.createTextNode(item[1]));
      node.appendChild(entry);
    });
    return node;
  }

  function render(data, level) {
    var stretch = data.stretch;
    var links = data.links || {};
    var card = el("article", "sg-embed sg-embed--stretch");
    card.setAttribute("lang", (data.guide && data.guide.language) || "en");

    var header = el("header", "sg-embed__header");
    if (data.guide && data.guide.draft) header.appendChild(el("p", "sg-embed__draft", "Draft: not for patients"));
    header.appendChild(el("p", "sg-embed__clinic", data.guide && data.guide.clinic_name));
    header.appendChild(el("h" + level, "sg-embed__title", stretch.title));
    card.appendChild(header);

    var body = el("div", "sg-embed__body");
    var intro = el("div", "sg-embed__intro");
    if (data.figure) {
      var figure = el("figure", "sg-embed__figure");
      var art = el("div", "sg-embed__art");
      var img = el("img");
      img.setAttribute("src", new URL(data.figure.src, siteRoot).href);
      img.setAttribute("alt", data.figure.alt || "");
      art.appendChild(img);
      figure.appendChild(art);
      var caption = el("figcaption");
      var drawn = stretch.figure || {};
      caption.appendChild(figureKey(!!(drawn.helper && drawn.show_helper !== false)));
      figure.appendChild(caption);
      intro.appendChild(figure);
    }
    var lead = el("div", "sg-embed__lead");
    lead.appendChild(el("p", "sg-embed__summary", stretch.summary));
    var dose = el("p", "sg-dose");
    dose.appendChild(el("strong", "sg-dose__label", "Dose:"));
    dose.appendChild(document.createTextNode(" "));
    dose.appendChild(el("span", "sg-dose__value", data.dose_line));
    lead.appendChild(dose);
    if (stretch.dose && stretch.dose.frequency) lead.appendChild(el("p", "sg-embed__frequency", stretch.dose.frequency));
    intro.appendChild(lead);
    body.appendChild(intro);

    var sub = Math.min(level + 1, 6);
    var columns = el("div", "sg-embed__columns");
    columns.appendChild(section(sub, "Get into position", list("ol", "sg-steps", stretch.setup)));
    columns.appendChild(section(sub, "The stretch", list("ol", "sg-steps", stretch.steps)));
    columns.appendChild(section(sub, "For the helper", list("ul", "sg-list", stretch.helper_cues)));
    columns.appendChild(section(sub, "Where you should feel it", list("ul", "sg-list", stretch.feel)));
    body.appendChild(columns);

    var safety = el("div", "sg-embed__safety");
    var rules = stretch.safety || {};
    if (rules.stop_if && rules.stop_if.length) safety.appendChild(safetyBox(sub, "stop", "\u26A0", "Stop if", rules.stop_if));
    if (data.precautions && data.precautions.length) {
      safety.appendChild(safetyBox(sub, "care", "\u26A0", "Take care if",
        data.precautions.map(function (item) { return item.text; })));
    }
    if (rules.avoid_if && rules.avoid_if.length) safety.appendChild(safetyBox(sub, "avoid", "\u2298", "Avoid if", rules.avoid_if));
    if (data.alternative) safety.appendChild(alternativeLine(data.alternative));
    body.appendChild(safety);
    if (data.guide && (data.guide.warning_signs || data.guide.warning_signs_url)) body.appendChild(warningNote(data.guide));
    body.appendChild(reviewLine(stretch.review));
    card.appendChild(body);

    var footer = el("footer", "sg-embed__footer");
    var more = el("p", "sg-embed__more");
    var link = el("a", "sg-embed__link", "Full instructions: " + stretch.title);
    link.setAttribute("href", new URL(links.page_url || links.page || "", siteRoot).href);
    more.appendChild(link);
    footer.appendChild(more);
    if (data.guide && data.guide.disclaimer) footer.appendChild(el("p", "sg-embed__disclaimer", data.guide.disclaimer));
    card.appendChild(footer);
    return card;
  }

  function problem(text, id) {
    var card = el("div", "sg-embed");
    var body = el("div", "sg-embed__body");
    body.appendChild(el("p", null, text));
    if (id) {
      // Why: a host without the CORS header blocks the data, but a link always works.
      var more = el("p", "sg-embed__more");
      var link = el("a", "sg-embed__link", "Open this stretch in the guide");
      link.setAttribute("href", new URL("stretches/" + id + "/", siteRoot).href);
      more.appendChild(link);
      body.appendChild(more);
    }
    card.appendChild(body);
    return card;
  }

  class StretchCard extends HTMLElement {
    static get observedAttributes() { return ["stretch", "heading-level"]; }

    constructor() {
      super();
      this._root = this.attachShadow({ mode: "open" });
      this._token = 0;
    }

    connectedCallback() { this._load(); }

    attributeChangedCallback() { if (this.isConnected) this._load(); }

    _load() {
      var id = this.getAttribute("stretch") || "";
      var level = parseInt(this.getAttribute("heading-level") || "2", 10);
      if (!(level >= 1 && level <= 5)) level = 2;
      var token = ++this._token;
      var root = this._root;
      var self = this;
      addFonts();
      var sheet = document.createElement("link");
      sheet.setAttribute("rel", "stylesheet");
      sheet.setAttribute("href", new URL("embed/embed.css", siteRoot).href);
      var styled = new Promise(function (resolve) {
        sheet.addEventListener("load", resolve);
        sheet.addEventListener("error", resolve);
      });
      root.replaceChildren(sheet);
      if (!ID.test(id)) {
        root.appendChild(problem("No stretch chosen: set the stretch attribute to a stretch id."));
        return;
      }
      var data = fetch(new URL("api/stretches/" + id + ".json", siteRoot).href, { credentials: "omit" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        });
      Promise.all([data, styled]).then(function (results) {
        if (token !== self._token) return;
        root.appendChild(render(results[0], level));
      }).catch(function () {
        if (token !== self._token) return;
        root.appendChild(problem("This stretch could not be shown here.", id));
      });
    }
  }

  window.customElements.define("stretch-card", StretchCard);
})();
