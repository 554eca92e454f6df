// Lease screens: a station picker reloads its page as soon as a station (or "all") is chosen.
// Without JavaScript the picker works the same, with its button.
(function () {
  "use strict";

  document.querySelectorAll("[data-cms-autosubmit-any]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
})();
