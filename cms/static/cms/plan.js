/* The plan page: hovering a unit's row outlines the unit on the plan, and the other way round.
   Clicking a unit on the plan opens it; #unit-CODE in the address highlights that unit. */
(function () {
  "use strict";
  var plan = document.querySelector("[data-cms-plan]");
  if (!plan) return;
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-cms-unit-row]"));
  var rowByCode = {};
  rows.forEach(function (row) { rowByCode[row.getAttribute("data-unit-code")] = row; });

  function shapes(code) {
    return Array.prototype.filter.call(plan.querySelectorAll(".hsr-unit"), function (el) {
      return el.getAttribute("data-unit-code") === code;
    });
  }

  function highlight(code, on) {
    shapes(code).forEach(function (el) { el.classList.toggle("cms-highlight", on); });
    var row = rowByCode[code];
    if (row) row.classList.toggle("is-highlighted", on);
  }

  rows.forEach(function (row) {
    var code = row.getAttribute("data-unit-code");
    row.addEventListener("mouseenter", function () { highlight(code, true); });
    row.addEventListener("mouseleave", function () { highlight(code, false); });
    row.addEventListener("focusin", function () { highlight(code, true); });
    row.addEventListener("focusout", function () { highlight(code, false); });
  });

  Array.prototype.forEach.call(plan.querySelectorAll(".hsr-unit"), function (el) {
    var code = el.getAttribute("data-unit-code");
    var row = rowByCode[code];
    if (!row) return;
    var link = row.querySelector("a");
    el.classList.add("cms-clickable");
    el.addEventListener("mouseenter", function () { highlight(code, true); });
    el.addEventListener("mouseleave", function () { highlight(code, false); });
    el.addEventListener("click", function () { if (link) window.location.href = link.href; });
  });

  var layout = document.querySelector("[data-cms-plan-layout]");
  var enlarge = document.querySelector("[data-cms-plan-enlarge]");
  if (layout && enlarge) {
    var labels = [enlarge.textContent, enlarge.getAttribute("data-shrink-label") || enlarge.textContent];
    enlarge.addEventListener("click", function () {
      var on = layout.classList.toggle("is-enlarged");
      enlarge.setAttribute("aria-pressed", on ? "true" : "false");
      enlarge.textContent = on ? labels[1] : labels[0];
    });
  }

  var hash = decodeURIComponent(window.location.hash.replace(/^#unit-/, ""));
  if (hash && rowByCode[hash]) {
    highlight(hash, true);
    rowByCode[hash].scrollIntoView({ block: "center" });
  }
})();
