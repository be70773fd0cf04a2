// Account and contact forms: "Add a phone" and friends append a row to their formset.
// The new row is a copy of the formset's empty form (a <template>), numbered like the others.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-add-row]") : null;
    if (!button) return;
    var box = button.closest("[data-rows]");
    var prefix = box.getAttribute("data-rows");
    var total = box.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var max = box.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']");
    var count = parseInt(total.value, 10);
    if (max && count >= parseInt(max.value, 10)) {
      button.disabled = true;
      return;
    }
    var template = box.querySelector("template[data-row-template]");
    var list = box.querySelector("[data-rows-list]");
    list.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(count)));
    total.value = String(count + 1);
    var first = list.lastElementChild.querySelector("input:not([type=hidden]), select");
    if (first) first.focus();
  });
})();
