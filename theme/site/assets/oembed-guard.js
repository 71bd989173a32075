/* Material fetches "sitemap.xml" next to every <link rel="alternate"> (it takes them for language
   versions of the site). The oEmbed discovery link is no such thing, and its host may not be the
   one serving this page: take it out of Material's sight before Material's script runs. oEmbed
   consumers read the page's HTML source, where the link stays as written. */
(function () {
  "use strict";
  var links = document.querySelectorAll('link[rel="alternate"][type="application/json+oembed"]');
  for (var i = 0; i < links.length; i++) {
    links[i].setAttribute("rel", "alternate-oembed");
  }
})();
