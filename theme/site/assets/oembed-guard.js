/* Material fetches "sitemap.xml" next to every <link rel="alternate"> (it takes them for language
   versions of the site, to find the same page there). The oEmbed discovery link is no such thing,
   and its host may not be the one serving this page; the hreflang links already lead to this very
   page in each language, as the language switcher does. Take both out of Material's sight before
   Material's script runs. Consumers and crawlers read the page's HTML source, where they stay. */
(function () {
  "use strict";
  var links = document.querySelectorAll('link[rel="alternate"][type="application/json+oembed"], ' +
                                        'link[rel="alternate"][hreflang]');
  for (var i = 0; i < links.length; i++) {
    links[i].setAttribute("rel", links[i].hasAttribute("hreflang") ? "alternate-language" : "alternate-oembed");
  }
})();
