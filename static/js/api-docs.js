// Accessibility repairs to Swagger UI's markup, kept out of the HTML for the CSP.
// Swagger UI follows its <h1> title with <h3> tag headings: announce those as level 2. Its title
// block sits outside its <main>: make it a labelled region so that all content is in a landmark.
(function () {
  "use strict";
  function repair() {
    document.querySelectorAll(".swagger-ui .information-container").forEach(function (info) {
      if (info.getAttribute("role") !== "region") {
        info.setAttribute("role", "region");
        info.setAttribute("aria-label", "About this API");
      }
    });
    document.querySelectorAll("h3.opblock-tag").forEach(function (heading) {
      if (heading.getAttribute("aria-level") !== "2") {
        heading.setAttribute("role", "heading");
        heading.setAttribute("aria-level", "2");
      }
    });
  }
  new MutationObserver(repair).observe(document.documentElement, { childList: true, subtree: true });
  repair();
})();
