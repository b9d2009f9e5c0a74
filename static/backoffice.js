// What inline event handlers used to do, asked for by data- attributes: the Content-Security-Policy
// runs no inline script or handler. Listeners sit on the document, so content htmx swaps in later
// (the polled rollout progress, for one) works without being wired up again.

// <button data-confirm="Question?"> (or a form with it): submit only once the person says OK.
document.addEventListener("submit", (event) => {
  const question = event.submitter?.dataset.confirm ?? event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

document.addEventListener("change", (event) => {
  const field = event.target;
  // <select data-autosubmit>: a filter that applies as soon as it is chosen.
  if (field.matches("[data-autosubmit]")) field.form.requestSubmit();
  // <input type="checkbox" data-check-all> in a table head: ticks or clears every box of the table's body.
  if (field.matches("[data-check-all]")) {
    for (const box of field.closest("table").querySelectorAll("tbody input[type=checkbox]")) box.checked = field.checked;
  }
});
