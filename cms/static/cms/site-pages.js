/* The public site's pages: countdowns to a round's deadlines, and on a station page, choosing
   a unit on the plan opens its details. Progressive: without it the deadline and the time
   left are printed, and every unit's details are in the list. */
(function () {
  "use strict";

  function pad(n) { return String(n).padStart(2, "0"); }

  function startCountdown(box) {
    var deadline = Date.parse(box.dataset.countdown);
    var left = box.querySelector(".site-countdown__left");
    if (!left || isNaN(deadline)) { return; }
    // The time left is counted on the server's clock (it decides the deadline), not on the
    // visitor's, which may be wrong: the page gives the server's time, and the offset is kept.
    var serverNow = Date.parse(box.dataset.now);
    var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
    function tick() {
      var ms = deadline - (Date.now() + skew);
      if (ms <= 0) {
        left.textContent = box.dataset.passed;
        box.classList.add("is-passed");
        return false;
      }
      var s = Math.floor(ms / 1000);
      var days = Math.floor(s / 86400);
      var rest = pad(Math.floor(s % 86400 / 3600)) + ":" + pad(Math.floor(s % 3600 / 60)) + ":" + pad(s % 60);
      left.textContent = (days ? days + " " + (days === 1 ? box.dataset.day : box.dataset.days) + " " : "") + rest;
      return true;
    }
    if (tick()) {
      var timer = setInterval(function () { if (!tick()) { clearInterval(timer); } }, 1000);
    }
  }

  function choose(plan, code, scroll) {
    var section = plan.closest(".site-level") || document;
    section.querySelectorAll(".hsr-unit.is-chosen, .site-offer.is-chosen").forEach(function (el) {
      el.classList.remove("is-chosen");
    });
    var unit = plan.querySelector('.hsr-unit[data-unit-code="' + CSS.escape(code) + '"]');
    var offer = section.querySelector('.site-offer[data-unit-code="' + CSS.escape(code) + '"]');
    if (unit) { unit.classList.add("is-chosen"); }
    if (offer) {
      offer.classList.add("is-chosen");
      offer.open = true;
      if (scroll) { offer.scrollIntoView({ behavior: "smooth", block: "nearest" }); }
    }
  }

  function enablePlan(plan) {
    plan.querySelectorAll('.hsr-unit[data-status="available"]').forEach(function (unit) {
      unit.setAttribute("tabindex", "0");
      unit.setAttribute("role", "button");
      unit.addEventListener("click", function () { choose(plan, unit.dataset.unitCode, true); });
      unit.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          choose(plan, unit.dataset.unitCode, true);
        }
      });
    });
    var section = plan.closest(".site-level");
    if (!section) { return; }
    section.querySelectorAll(".site-offer").forEach(function (offer) {
      offer.addEventListener("toggle", function () {
        if (offer.open) { choose(plan, offer.dataset.unitCode, false); }
      });
    });
  }

  document.querySelectorAll("[data-countdown]").forEach(startCountdown);
  document.querySelectorAll("[data-plan]").forEach(enablePlan);
})();
