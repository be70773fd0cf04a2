// Service desk pages. Merging a ticket asks first: the merge form posts through htmx and the
// server answers with a dialog naming the other ticket, which is opened here; its "Merge"
// button posts the confirmed merge as an ordinary form. Without JavaScript the same question
// comes as a page. Cancel (or Escape) closes the dialog and gives the focus back to the form.
(function () {
  "use strict";

  function closest(node, selector) {
    return node && node.closest ? node.closest(selector) : null;
  }

  function mergeInput() {
    return document.querySelector("form.merge-ask input[name='merge-ticket']");
  }

  document.addEventListener("htmx:load", function (event) {
    var dialog = event.target;
    if (!dialog.matches || !dialog.matches("dialog[data-merge-dialog]")) return;
    dialog.addEventListener("close", function () {
      if (dialog.parentNode) dialog.parentNode.removeChild(dialog);
      var input = mergeInput();
      if (input) input.focus();
    });
    if (!dialog.open) dialog.showModal();
    var first = dialog.querySelector(".has-error input, input:not([type=hidden])") ||
      dialog.querySelector("button[type=submit]");
    if (first) first.focus();
  });

  document.addEventListener("click", function (event) {
    var cancel = closest(event.target, "[data-dialog-cancel]");
    var dialog = closest(cancel, "dialog[data-merge-dialog]");
    if (dialog) dialog.close();
  });
})();
