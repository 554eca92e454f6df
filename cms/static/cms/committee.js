// The scoring grid: a running count of the scores filled, each bid's total with the member's
// scores, out-of-range inputs marked as they are typed, Enter moving to the next input, and a
// warning before leaving the page with scores typed but not submitted. Without JavaScript the
// grid works the same; the server checks everything again. On the declaration of interest, a
// ticked bidder's row is marked and its statement field focused.
(function () {
  "use strict";

  function parse(text) {
    // Full-width digits and the Chinese full stop, as an IME may type them.
    var value = String(text || "").trim()
      .replace(/[\uFF10-\uFF19]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/[\uFF0E\u3002]/g, ".");
    if (value === "" || !/^\d+(\.\d{0,2})?$/.test(value)) return null;
    return parseFloat(value);
  }

  // The column headers stay in view under the admin's own sticky header while scrolling.
  var header = document.querySelector(".w-slim-header");
  function stickUnderHeader() {
    var sticky = header && getComputedStyle(header).position === "sticky";
    document.querySelectorAll("[data-cms-grid]").forEach(function (grid) {
      grid.style.setProperty("--cms-sticky-top", (sticky ? header.offsetHeight : 0) + "px");
    });
  }
  stickUnderHeader();
  window.addEventListener("resize", stickUnderHeader);

  document.querySelectorAll("[data-cms-score-form]").forEach(function (form) {
    var grid = form.querySelector("[data-cms-grid]");
    if (!grid) return;
    var inputs = Array.prototype.slice.call(grid.querySelectorAll("[data-cms-score]"));
    var counter = form.querySelector("[data-cms-filled]");
    var dirty = false;
    var submitting = false;

    function refresh() {
      var filled = 0;
      inputs.forEach(function (input) {
        var value = parse(input.value);
        var max = parseFloat(input.getAttribute("data-cms-max"));
        var out = input.value.trim() !== "" && (value === null || value < 0 || value > max);
        input.classList.toggle("is-out", out);
        if (value !== null && !out) filled += 1;
      });
      grid.querySelectorAll("tbody[data-cms-objective]").forEach(function (group) {
        var total = parseFloat(group.getAttribute("data-cms-objective")) || 0;
        var complete = true;
        group.querySelectorAll("[data-cms-score], [data-cms-score-value]").forEach(function (cell) {
          var value = parse(cell.value !== undefined ? cell.value : cell.textContent);
          var max = parseFloat(cell.getAttribute("data-cms-max"));
          if (value === null || (!isNaN(max) && value > max)) complete = false;
          else total += value;
        });
        var out = group.querySelector("[data-cms-row-total]");
        if (out) out.textContent = complete ? total.toFixed(2) : "…";
      });
      if (counter) {
        var text = counter.getAttribute("data-template") || "";
        counter.textContent = text.replace("%(filled)s", filled).replace("%(total)s", inputs.length);
        counter.classList.toggle("is-complete", filled === inputs.length);
      }
    }

    inputs.forEach(function (input, index) {
      input.addEventListener("input", function () { dirty = true; refresh(); });
      input.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") return;
        event.preventDefault();
        var next = inputs[index + 1];
        if (next) { next.focus(); next.select(); }
        else {
          var button = form.querySelector("[data-cms-action]");
          if (button) button.focus();
        }
      });
    });
    form.addEventListener("submit", function () { submitting = true; });
    if (form.hasAttribute("data-cms-guard")) {
      window.addEventListener("beforeunload", function (event) {
        if (dirty && !submitting) { event.preventDefault(); event.returnValue = ""; }
      });
    }
    refresh();
  });

  document.querySelectorAll("[data-cms-declare-form] tr[data-cms-bidder]").forEach(function (row) {
    var box = row.querySelector('input[type="checkbox"]');
    var statement = row.querySelector("textarea");
    if (!box) return;
    function mark() { row.classList.toggle("is-ticked", box.checked); }
    box.addEventListener("change", function () {
      mark();
      if (box.checked && statement && !statement.value.trim()) statement.focus();
    });
    mark();
  });
})();
