// Tender-round forms: the lot's station reloads its units; the criteria show their running total
// and can grow by a row. Without JavaScript the forms work the same, with a button and two spare rows.
(function () {
  "use strict";

  document.querySelectorAll("[data-cms-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.value) select.form.submit();
    });
  });

  var criteria = document.querySelector("[data-cms-criteria]");
  if (!criteria) return;
  var total = criteria.querySelector("[data-cms-weight-total]");
  var body = criteria.querySelector("table tbody");
  var template = criteria.querySelector("template[data-cms-empty-criterion]");
  var addButton = criteria.querySelector("[data-cms-add-criterion]");
  var totalForms = criteria.querySelector('input[name$="-TOTAL_FORMS"]');

  function recount() {
    var sum = 0;
    var rows = body.querySelectorAll("tr[data-cms-criterion]");
    rows.forEach(function (row) {
      var weight = row.querySelector('input[name$="-weight"]');
      var remove = row.querySelector('input[name$="-DELETE"]');
      if (!weight || (remove && remove.checked)) return;
      var value = parseFloat(weight.value);
      if (!isNaN(value)) sum += value;
    });
    sum = Math.round(sum * 100) / 100;
    total.textContent = sum.toFixed(2);
    total.classList.toggle("is-right", sum === 100);
    total.classList.toggle("is-wrong", sum !== 100);
  }

  criteria.addEventListener("input", recount);
  criteria.addEventListener("change", recount);
  recount();

  if (template && addButton && totalForms) {
    addButton.hidden = false;
    addButton.addEventListener("click", function () {
      var index = parseInt(totalForms.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      body.insertAdjacentHTML("beforeend", html);
      totalForms.value = String(index + 1);
      var added = body.lastElementChild.querySelector("input");
      if (added) added.focus();
    });
  }
})();
