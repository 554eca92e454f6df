/* The passengers' directory: filter the shops as one types (the server does the same with
   ?q= when the form is sent), dim the others on the plans, and point out a shop's unit. */
(function () {
  "use strict";
  var input = document.querySelector("[data-dir-filter]");
  var outlets = Array.prototype.slice.call(document.querySelectorAll("[data-dir-outlet]"));
  var status = document.querySelector("[data-dir-status]");
  var units = Array.prototype.slice.call(document.querySelectorAll("[data-dir-plan] .hsr-unit"));
  var total = outlets.length;

  function unitsOf(outlet) { return (outlet.dataset.units || "").split(" ").filter(Boolean); }

  function filter() {
    var words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    var lit = {};
    var shown = 0;
    outlets.forEach(function (outlet) {
      var hay = outlet.dataset.dirOutlet;
      var match = words.every(function (word) { return hay.indexOf(word) !== -1; });
      outlet.hidden = !match;
      if (match) { shown += 1; }
      unitsOf(outlet).forEach(function (id) { lit[id] = lit[id] || match; });
    });
    document.querySelectorAll("[data-dir-group]").forEach(function (group) {
      group.hidden = !group.querySelector("[data-dir-outlet]:not([hidden])");
    });
    units.forEach(function (unit) {
      unit.classList.toggle("is-dimmed", words.length > 0 && unit.id in lit && !lit[unit.id]);
    });
    if (status && words.length) {
      status.textContent = shown
        ? status.dataset.templateSome.replace("{shown}", shown).replace("{total}", total)
        : status.dataset.templateNone;
    }
  }

  function point(id) {
    units.forEach(function (unit) { unit.classList.toggle("is-chosen", unit.id === id); });
    outlets.forEach(function (outlet) { outlet.classList.toggle("is-chosen", unitsOf(outlet).indexOf(id) !== -1); });
  }

  if (input) {
    input.addEventListener("input", filter);
  }
  document.querySelectorAll("[data-unit]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.dataset.unit);
      if (!target) { return; }
      event.preventDefault();
      point(link.dataset.unit);
      var level = document.getElementById("level-" + link.dataset.level);
      (level || target).scrollIntoView({ behavior: "smooth", block: "start" });
    });
  });
  units.forEach(function (unit) {
    unit.addEventListener("click", function () {
      point(unit.id);
      var outlet = outlets.find(function (o) { return unitsOf(o).indexOf(unit.id) !== -1; });
      if (outlet) { outlet.scrollIntoView({ behavior: "smooth", block: "nearest" }); }
    });
  });
})();

/* On arrival, scroll each wide plan to the unit pointed out, else to the first shop found. */
(function () {
  "use strict";
  var filtered = !!document.querySelector("[data-dir-status] a");
  document.querySelectorAll("[data-dir-plan]").forEach(function (plan) {
    var target = plan.querySelector(".hsr-plan-highlight");
    if (!target && filtered) {
      document.querySelectorAll("[data-dir-outlet]:not([hidden])").forEach(function (outlet) {
        (outlet.dataset.units || "").split(" ").forEach(function (id) {
          target = target || (id && plan.querySelector('[id="' + id + '"]'));
        });
      });
    }
    if (!target || plan.scrollWidth <= plan.clientWidth) { return; }
    var box = target.getBoundingClientRect();
    var frame = plan.getBoundingClientRect();
    plan.scrollLeft += box.left + box.width / 2 - (frame.left + frame.width / 2);
  });
})();
