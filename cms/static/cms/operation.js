// The operation screens: a station chooser that submits its form, or opens the chosen
// station's page, as soon as it changes.
document.addEventListener("change", (event) => {
  const select = event.target;
  if (select.matches("select[data-cms-autosubmit]")) {
    select.form.submit();
  } else if (select.matches("select[data-cms-navigate]")) {
    window.location.assign(select.value);
  }
});
