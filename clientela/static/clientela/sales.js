// Sales pages. The board: a card dragged onto another column (HTML5 drag and drop), or moved
// with its "Move to…" button (the board's one move dialog, for the keyboard), is sent through
// the board's move form; without JavaScript the button is a link to the deal's page, which
// has its own move form. The server answers with a message, or with a dialog asking for the
// fields the stage requires, and asks the board to refresh after a move. The deal form: the stage list
// narrowed to the chosen pipeline. The pipeline form: stage and activity rows added, moved.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function closest(node, selector) {
    return node && node.closest ? node.closest(selector) : null;
  }

  // --- the board: messages ------------------------------------------------------------------

  function feedback() {
    return document.getElementById("board-feedback");
  }

  function say(text) {
    var box = feedback();
    if (!box) return;
    box.textContent = "";
    var line = document.createElement("p");
    line.className = "message message-error";
    line.setAttribute("role", "alert");
    line.textContent = text;
    box.appendChild(line);
  }

  function failureText(status) {
    var box = feedback();
    if (!box) return "";
    return box.getAttribute("data-error-" + status) || box.getAttribute("data-error");
  }

  var focusDeal = null; // the card whose "Move to…" had the focus, to give it back after a refresh

  function moveForm() {
    return document.querySelector("form.board-move-form");
  }

  function moveUrl(form, card) {
    return form.getAttribute("data-move-url").replace(/\/0\/move\/$/, "/" + card.getAttribute("data-deal") + "/move/");
  }

  function post(form) {
    htmx.ajax("POST", form.getAttribute("action"), { source: form, target: "#board-feedback", swap: "innerHTML" });
  }

  function submitMove(card, stageId) {
    var form = moveForm();
    if (!form) return;
    form.setAttribute("action", moveUrl(form, card));
    form.querySelector("select[name=stage]").value = stageId;
    post(form);
  }

  function openMove(card) {
    var form = moveForm();
    var dialog = form && closest(form, "dialog");
    if (!dialog) return;
    var title = dialog.querySelector("h2[data-title]");
    var name = card.querySelector(".deal-name");
    title.textContent = title.getAttribute("data-title").replace("{name}", name ? name.textContent : "");
    form.setAttribute("action", moveUrl(form, card));
    form.setAttribute("data-deal", card.getAttribute("data-deal"));
    var select = form.querySelector("select[name=stage]");
    select.value = card.getAttribute("data-stage");
    dialog.showModal();
    select.focus();
  }

  document.addEventListener("click", function (event) {
    var opener = closest(event.target, "[data-move-open]");
    var card = closest(opener, ".deal-card");
    if (!card || !moveForm()) return;
    event.preventDefault();
    openMove(card);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("board-move-form")) return;
    event.preventDefault();
    focusDeal = form.getAttribute("data-deal");
    closest(form, "dialog").close();
    post(form);
  });

  // The board's move dialog, closed without a move, gives the focus back to the card's button.
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (!dialog.matches || !dialog.matches("dialog[data-board-move]")) return;
    var form = moveForm();
    if (focusDeal === null && form) giveFocusBack(form.getAttribute("data-deal"));
  }, true);

  // --- the board: drag and drop -------------------------------------------------------------

  var dragged = null;

  function clearTargets() {
    document.querySelectorAll(".is-drop-target").forEach(function (el) {
      el.classList.remove("is-drop-target");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var card = closest(event.target, ".deal-card[draggable=true]");
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-deal"));
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    clearTargets();
  });

  document.addEventListener("dragover", function (event) {
    var column = closest(event.target, "[data-drop-stage]");
    if (!dragged || !column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("is-drop-target")) {
      clearTargets();
      column.classList.add("is-drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var column = closest(event.target, "[data-drop-stage]");
    if (!dragged || !column) return;
    event.preventDefault();
    var card = dragged;
    var stage = column.getAttribute("data-drop-stage");
    clearTargets();
    if (stage !== card.getAttribute("data-stage")) {
      focusDeal = null;
      submitMove(card, stage);
    }
  });

  // --- the board: answers to a move ---------------------------------------------------------

  // A refused move (422) shows its message; any other failure says what happened, in words.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var target = detail.target;
    var ours = target && (target.id === "board-feedback" || target.id === "board");
    if (!ours || detail.xhr.status < 400) return;
    detail.isError = false;
    if (detail.xhr.status === 422 && target.id === "board-feedback") {
      detail.shouldSwap = true;
    } else {
      detail.shouldSwap = false;
      closeDialog();
      say(failureText(detail.xhr.status));
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (!closest(event.target, "#board, .move-form, .move-dialog")) return;
    closeDialog();
    say(failureText("network"));
  });

  function closeDialog() {
    var dialog = document.querySelector("dialog[data-move-dialog]");
    if (dialog && dialog.open) dialog.close();
  }

  function giveFocusBack(dealId) {
    var button = document.querySelector(".deal-card[data-deal='" + dealId + "'] [data-move-open]");
    if (button) button.focus();
  }

  document.addEventListener("htmx:load", function (event) {
    var node = event.target;
    if (node.matches && node.matches("dialog[data-move-dialog]")) {
      var dealId = node.getAttribute("data-deal");
      node.addEventListener("close", function () {
        if (node.parentNode) node.parentNode.removeChild(node);
        giveFocusBack(dealId);
      });
      if (!node.open) node.showModal();
      var first = node.querySelector(".has-error input, .has-error select, .has-error textarea") ||
        node.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    } else if (node.id === "board" && focusDeal) {
      giveFocusBack(focusDeal);
      focusDeal = null;
    }
  });

  document.addEventListener("click", function (event) {
    var cancel = closest(event.target, "[data-dialog-cancel]");
    if (cancel) closest(cancel, "dialog").close();
  });

  // --- the deal form: only the chosen pipeline's stages -------------------------------------

  function narrowStages(pipeline) {
    var stage = pipeline.form && pipeline.form.querySelector("[data-stage-select]");
    if (!stage || pipeline.selectedIndex < 0) return;
    var name = pipeline.options[pipeline.selectedIndex].text;
    stage.querySelectorAll("optgroup").forEach(function (group) {
      var mine = group.label === name;
      group.hidden = !mine;
      group.disabled = !mine;
    });
    var chosen = stage.options[stage.selectedIndex];
    if (chosen && chosen.parentNode.disabled) stage.value = "";
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-pipeline-select]")) narrowStages(event.target);
  });

  // --- the pipeline form: stage rows and their suggested activities -------------------------

  function count(box, prefix) {
    return box.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
  }

  function renumber(list) {
    list.querySelectorAll(":scope > [data-stage-row]").forEach(function (row, index) {
      var order = row.querySelector("input[name$='-ORDER']");
      if (order) order.value = String(index + 1);
    });
  }

  function showMoves(root) {
    root.querySelectorAll("[data-stage-moves]").forEach(function (el) { el.hidden = false; });
  }

  function addRow(box, prefix, template, list, placeholder) {
    var total = count(box, prefix);
    var max = box.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']");
    var n = parseInt(total.value, 10);
    if (max && n >= parseInt(max.value, 10)) return null;
    var pattern = new RegExp(placeholder, "g");
    list.insertAdjacentHTML("beforeend", template.innerHTML.replace(pattern, String(n)));
    total.value = String(n + 1);
    var row = list.lastElementChild;
    var first = row.querySelector("input:not([type=hidden]), select");
    if (first) first.focus();
    return row;
  }

  document.addEventListener("click", function (event) {
    var button = closest(event.target, "[data-add-stage], [data-add-guidance], [data-stage-up], [data-stage-down]");
    if (!button) return;
    if (button.hasAttribute("data-add-stage")) {
      var stages = closest(button, "[data-stages]");
      var list = stages.querySelector("[data-stage-list]");
      var template = stages.querySelector(":scope > template[data-stage-template]");
      var row = addRow(stages, stages.getAttribute("data-stages"), template, list, "__prefix__");
      if (row) {
        showMoves(row);
        renumber(list);
      }
    } else if (button.hasAttribute("data-add-guidance")) {
      var box = closest(button, "[data-guidance]");
      addRow(
        box,
        box.getAttribute("data-guidance"),
        box.querySelector(":scope > template[data-guidance-template]"),
        box.querySelector(":scope > [data-guidance-list]"),
        "__guide__"
      );
    } else {
      var stageRow = closest(button, "[data-stage-row]");
      var up = button.hasAttribute("data-stage-up");
      var other = up ? stageRow.previousElementSibling : stageRow.nextElementSibling;
      if (!other) return;
      stageRow.parentNode.insertBefore(up ? stageRow : other, up ? other : stageRow);
      renumber(stageRow.parentNode);
      button.focus();
    }
  });

  onReady(function () {
    document.querySelectorAll("[data-pipeline-select]").forEach(narrowStages);
    document.querySelectorAll("[data-stage-list]").forEach(showMoves);
  });
})();
