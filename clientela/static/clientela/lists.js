// List pages: select rows for bulk actions, show only the fields the chosen action needs.
// No inline scripts anywhere (the CSP forbids them); everything hangs off data- attributes.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function setUpBulk(form) {
    var rows = Array.prototype.slice.call(form.querySelectorAll("[data-row-select]"));
    var pageBox = form.querySelector("[data-select-page]");
    var allBox = form.querySelector("[data-bulk-all]");
    var count = form.querySelector("[data-bulk-count]");
    var action = form.querySelector("[data-bulk-action]");
    var submit = form.querySelector("[data-bulk-submit]");
    var template = count ? count.textContent : "";

    function selected() {
      return rows.filter(function (box) { return box.checked; }).length;
    }

    function refresh() {
      var n = selected();
      var all = allBox && allBox.checked;
      if (count) {
        if (all) count.textContent = form.getAttribute("data-label-all") || allBox.parentNode.textContent.trim();
        else if (n > 0) count.textContent = (form.getAttribute("data-label-selected") || "%s").replace("%s", n);
        else count.textContent = template;
      }
      if (pageBox) {
        pageBox.checked = n > 0 && n === rows.length;
        pageBox.indeterminate = n > 0 && n < rows.length;
      }
      if (submit) submit.disabled = !(all || n > 0);
      form.classList.toggle("has-selection", Boolean(all || n > 0));
    }

    function showFields() {
      var chosen = action ? action.value : "";
      form.querySelectorAll("[data-bulk-field]").forEach(function (el) {
        el.hidden = el.getAttribute("data-bulk-field") !== chosen;
      });
    }

    rows.forEach(function (box) { box.addEventListener("change", refresh); });
    if (pageBox) {
      pageBox.addEventListener("change", function () {
        rows.forEach(function (box) { box.checked = pageBox.checked; });
        refresh();
      });
    }
    if (allBox) allBox.addEventListener("change", refresh);
    if (action) action.addEventListener("change", showFields);
    showFields();
    refresh();
  }

  onReady(function () {
    document.querySelectorAll("[data-bulk-form]").forEach(setUpBulk);
  });
})();
