// Settings → Custom fields: show only the inputs the chosen type uses, and suggest a key from
// the label until the key is typed by hand. Without JavaScript every input shows and the server
// ignores those the type does not use, and makes the key from the label when it is left empty.
(function () {
  "use strict";

  function suggestedKey(label) {
    return label
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^[^a-z]+/, "")
      .slice(0, 40)
      .replace(/_+$/, "");
  }

  function showFor(form, type) {
    form.querySelectorAll("[data-field-types]").forEach(function (box) {
      var types = box.getAttribute("data-field-types").split(" ");
      box.hidden = types.indexOf(type) === -1;
    });
  }

  function setUp(form) {
    var select = form.querySelector("[data-type-select]");
    if (select) {
      showFor(form, select.value);
      select.addEventListener("change", function () { showFor(form, select.value); });
    }
    var key = form.querySelector("[data-key-input]");
    var label = form.querySelector("input[name=label]");
    if (key && label) {
      var typed = key.value !== "" && key.value !== suggestedKey(label.value);
      // A label typed before this script ran (it is deferred) still gets its key.
      if (!typed && label.value !== "") key.value = suggestedKey(label.value);
      key.addEventListener("input", function () { typed = key.value !== ""; });
      label.addEventListener("input", function () {
        if (!typed) key.value = suggestedKey(label.value);
      });
    }
  }

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () {
    document.querySelectorAll("form.custom-field-form").forEach(setUp);
  });
})();
