/* <stretch-card stretch="ID" lang="es"></stretch-card>: one stretch of this guide, drawn inside a
 * shadow root from the guide's JSON, so the host page's CSS cannot reach in and ours cannot leak out.
 * Every piece of content goes in with textContent or an attribute, never as markup.
 * The language is the element's lang (else the guide's own): embed/languages.json says where each
 * language's data is; its interface words come from embed/words/<lang>.json, written by the build. */
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

  function safetyBox(level, modifier, symbol, title, items, itemsLang) {
    var node = el("section", "sg-safety sg-safety--" + modifier);
    var heading = el("h" + level, "sg-safety__title");
    var icon = el("span", null, symbol + "\uFE0E");
    icon.setAttribute("aria-hidden", "true");
    heading.appendChild(icon);
    heading.appendChild(document.createTextNode(" " + title));
    node.appendChild(heading);
    var entries = list("ul", null, items);
    if (itemsLang) entries.setAttribute("lang", itemsLang);
    node.appendChild(entries);
    return node;
  }

  /* Append `text` to `node`, with each {name} in it replaced by the node or text in `parts`. */
  function fill(node, text, parts) {
    String(text).split(/(\{[a-z_]+\})/).forEach(function (piece) {
      var key = /^\{([a-z_]+)\}$/.exec(piece);
      var part = key && Object.prototype.hasOwnProperty.call(parts, key[1]) ? parts[key[1]] : piece;
      if (part === "") return;
      node.appendChild(typeof part === "string" ? document.createTextNode(part) : part);
    });
    return node;
  }

  function alternativeLine(alternative, words) {
    var node = el("p", "sg-alternative");
    node.appendChild(el("strong", "sg-alternative__label", words.another_option));
    node.appendChild(document.createTextNode(" "));
    var links = alternative.links || {};
    var link = el("a", null, alternative.title);
    link.setAttribute("href", new URL(links.page_url || links.page || "", siteRoot).href);
    return fill(node, words.do_instead, { stretch: link, when: String(alternative.when || "").replace(/\.$/, "") });
  }

  function warningNote(guide, words) {
    var node = el("aside", "sg-redflag-note");
    node.setAttribute("aria-label", words.warning_signs);
    var text = el("p");
    text.appendChild(el("strong", "sg-redflag-note__label", words.warning_signs_label));
    text.appendChild(document.createTextNode(" " + words.warning_text +
      (guide.emergency_number ? " " + words.emergency_call.replace("{number}", guide.emergency_number) : "") + " "));
    var link = el("a", null, words.read_warning_signs);
    link.setAttribute("href", new URL(guide.warning_signs_url || guide.warning_signs || "", siteRoot).href);
    text.appendChild(link);
    text.appendChild(document.createTextNode("."));
    node.appendChild(text);
    return node;
  }

  function reviewLine(review, words, language) {
    if (!review) return el("p", "sg-review", words.not_reviewed);
    var details = [review.role, review.registration].filter(function (part) { return part; }).join(", ");
    var time = el("time", null, review.on);
    time.setAttribute("datetime", review.on);
    try {
      time.textContent = new Date(review.on + "T00:00:00Z").toLocaleDateString(language,
        { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
    } catch (error) { /* keep the ISO date */ }
    return fill(el("p", "sg-review"), words.reviewed,
      { reviewer: review.by + (details ? " (" + details + ")" : ""), date: time });
  }

  // The key to the figure, as on the stretch page: bordered boxes and a hatch, so it also prints.
  function figureKey(helper, words) {
    var node = el("p", "sg-legend sg-embed__legend");
    var items = [["target", words.feel_it_here], ["far", words.far_side]];
    if (helper) items.push(["helper", words.helper_figure]);
    items.forEach(function (item, index) {
      if (index) node.appendChild(document.createTextNode(" "));
      var entry = el("span", "sg-legend__item");
      entry.appendChild(el("span", "sg-legend__key sg-legend__key--" + item[0]));
      entry.appendChild(document.createTextNode(item[1]));
      node.appendChild(entry);
    });
    return node;
  }

  function render(data, level, words, chosen) {
    var stretch = data.stretch;
    var links = data.links || {};
    var language = (data.guide && data.guide.language) || chosen.tag;
    var card = el("article", "sg-embed sg-embed--stretch");
    card.setAttribute("lang", language);
    card.setAttribute("dir", chosen.dir || "ltr");
    // Text shown in the default language, for want of a translation, says which language it is in.
    var source = data.untranslated ? chosen.source : null;
    function inSource(node) {
      if (source) node.setAttribute("lang", source);
      return node;
    }

    var header = el("header", "sg-embed__header");
    if (data.guide && data.guide.draft) header.appendChild(el("p", "sg-embed__draft", words.draft));
    header.appendChild(el("p", "sg-embed__clinic", data.guide && data.guide.clinic_name));
    header.appendChild(inSource(el("h" + level, "sg-embed__title", stretch.title)));
    card.appendChild(header);

    var body = el("div", "sg-embed__body");
    if (source) {
      var notice = el("p", "sg-untranslated");
      notice.setAttribute("role", "note");
      notice.appendChild(el("strong", null, words.untranslated));
      notice.appendChild(document.createTextNode(": " + words.shown_in));
      body.appendChild(notice);
    }
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
      caption.appendChild(figureKey(!!(drawn.helper && drawn.show_helper !== false), words));
      figure.appendChild(caption);
      intro.appendChild(figure);
    }
    var lead = el("div", "sg-embed__lead");
    lead.appendChild(inSource(el("p", "sg-embed__summary", stretch.summary)));
    var dose = el("p", "sg-dose");
    dose.appendChild(el("strong", "sg-dose__label", words.dose));
    dose.appendChild(document.createTextNode(" "));
    dose.appendChild(el("span", "sg-dose__value", data.dose_line));
    lead.appendChild(dose);
    if (stretch.dose && stretch.dose.frequency) {
      lead.appendChild(inSource(el("p", "sg-embed__frequency", stretch.dose.frequency)));
    }
    intro.appendChild(lead);
    body.appendChild(intro);

    var sub = Math.min(level + 1, 6);
    var columns = el("div", "sg-embed__columns");
    columns.appendChild(section(sub, words.setup, inSource(list("ol", "sg-steps", stretch.setup))));
    columns.appendChild(section(sub, words.steps, inSource(list("ol", "sg-steps", stretch.steps))));
    columns.appendChild(section(sub, words.helper, inSource(list("ul", "sg-list", stretch.helper_cues))));
    columns.appendChild(section(sub, words.feel, inSource(list("ul", "sg-list", stretch.feel))));
    body.appendChild(columns);

    var safety = el("div", "sg-embed__safety");
    var rules = stretch.safety || {};
    if (rules.stop_if && rules.stop_if.length) {
      safety.appendChild(safetyBox(sub, "stop", "\u26A0", words.stop_if, rules.stop_if, source));
    }
    if (data.precautions && data.precautions.length) {
      safety.appendChild(safetyBox(sub, "care", "\u26A0", words.take_care_if,
        data.precautions.map(function (item) { return item.text; })));
    }
    if (rules.avoid_if && rules.avoid_if.length) {
      safety.appendChild(safetyBox(sub, "avoid", "\u2298", words.avoid_if, rules.avoid_if, source));
    }
    if (data.alternative) safety.appendChild(alternativeLine(data.alternative, words));
    body.appendChild(safety);
    if (data.guide && (data.guide.warning_signs || data.guide.warning_signs_url)) {
      body.appendChild(warningNote(data.guide, words));
    }
    body.appendChild(reviewLine(stretch.review, words, language));
    card.appendChild(body);

    var footer = el("footer", "sg-embed__footer");
    var more = el("p", "sg-embed__more");
    var link = el("a", "sg-embed__link", words.full_instructions.replace("{title}", stretch.title));
    link.setAttribute("href", new URL(links.page_url || links.page || "", siteRoot).href);
    more.appendChild(link);
    footer.appendChild(more);
    if (data.guide && data.guide.disclaimer) footer.appendChild(el("p", "sg-embed__disclaimer", data.guide.disclaimer));
    card.appendChild(footer);
    return card;
  }

  /* Say what went wrong, in the guide's words when they could be read (else only the link). */
  function problem(text, id, words, tree) {
    var card = el("div", "sg-embed");
    var body = el("div", "sg-embed__body");
    if (text) body.appendChild(el("p", null, text));
    if (id) {
      // Why: a host without the CORS header blocks the data, but a link always works.
      var more = el("p", "sg-embed__more");
      var href = new URL((tree || "") + "stretches/" + id + "/", siteRoot).href;
      var link = el("a", "sg-embed__link", (words && words.open_stretch) || href);
      link.setAttribute("href", href);
      more.appendChild(link);
      body.appendChild(more);
    }
    card.appendChild(body);
    return card;
  }

  function getJSON(path) {
    return fetch(new URL(path, siteRoot).href, { credentials: "omit" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  /* The language to show: the one asked for, else its base language (es-MX: es), else the guide's. */
  function pick(known, wanted) {
    var languages = known.languages || {};
    var tags = Object.keys(languages);
    function find(tag) {
      for (var i = 0; i < tags.length; i++) if (tags[i].toLowerCase() === tag) return tags[i];
      return null;
    }
    var tag = (wanted && (find(wanted) || find(wanted.split("-")[0]))) || known["default"];
    var entry = languages[tag] || {};
    return { tag: tag, tree: entry.tree || "", dir: entry.dir || "ltr", source: known["default"] };
  }

  class StretchCard extends HTMLElement {
    static get observedAttributes() { return ["stretch", "heading-level", "lang"]; }

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
      var wanted = (this.getAttribute("lang") || "").toLowerCase();
      var chosen = null;
      var words = null;
      getJSON("embed/languages.json").then(function (known) {
        chosen = pick(known, wanted);
        return getJSON("embed/words/" + chosen.tag + ".json");
      }).then(function (found) {
        words = found;
        if (!ID.test(id)) throw new Error("no stretch");
        return Promise.all([getJSON(chosen.tree + "api/stretches/" + id + ".json"), styled]);
      }).then(function (results) {
        if (token !== self._token) return;
        root.appendChild(render(results[0], level, words, chosen));
      }).catch(function () {
        if (token !== self._token) return;
        var text = words ? (ID.test(id) ? words.failed : words.no_stretch) : "";
        root.appendChild(problem(text, ID.test(id) ? id : null, words, chosen && chosen.tree));
      });
    }
  }

  window.customElements.define("stretch-card", StretchCard);
})();
