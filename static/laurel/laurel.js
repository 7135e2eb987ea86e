// Laurel's page behaviour, as a static file (the CSP allows no inline script or handler).
(function () {
  "use strict";
  // "Go back" links: back in the history when there is one, else their href (the home page).
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-back]") : null;
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
