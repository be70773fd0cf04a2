// Settings → Service desk. A Delete button asks first, in a dialog whose "Yes, delete" posts to
// the button's own address; without JavaScript the same link opens a confirmation page. Cancel
// (or Escape) closes the dialog and gives the focus back to the button.
(function () {
  "use strict";

  var opener = null;

  function ask(link) {
    var dialog = document.querySelector("dialog[data-delete-dialog]");
    if (!dialog || typeof dialog.showModal !== "function") return false;
    dialog.querySelector("form").setAttribute("action", link.getAttribute("href"));
    dialog.querySelector("[data-delete-question]").textContent =
      link.getAttribute("data-delete-ask");
    opener = link;
    dialog.showModal();
    dialog.querySelector("[data-delete-cancel]").focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var link = target.closest("a[data-delete-ask]");
    if (link && ask(link)) {
      event.preventDefault();
      return;
    }
    var cancel = target.closest("[data-delete-cancel]");
    var dialog = cancel && cancel.closest("dialog[data-delete-dialog]");
    if (dialog) dialog.close();
  });

  // "close" does not bubble: listened for while it goes down to the dialog
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (!(dialog instanceof Element) || !dialog.matches("dialog[data-delete-dialog]")) return;
    if (opener) opener.focus();
    opener = null;
  }, true);
})();
