/* The portal's small behaviours, without inline scripts (the pages' Content-Security-Policy
   runs only the site's own files): a print button shows only where a script can print. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
