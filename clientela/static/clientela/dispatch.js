// The dispatch board's drag and drop. A visit (a scheduled block, or one waiting in the "Not
// scheduled" list) is dragged onto a technician's row; the 15-minute column it lands on is the
// new start. The move is posted to the visit's own address; the server checks it (skills,
// region, working hours, other visits, the window). Accepted: the page reloads to show it.
// Refused: the visit stays where it was and the reason is read out in the status line.
// Without script every visit is a link to its page, whose form makes the same move.
(function () {
  "use strict";

  var board = document.querySelector("[data-dispatch]");
  if (!board || !board.hasAttribute("data-can-move")) return;
  var status = document.querySelector("[data-dispatch-status]");
  var dragged = null;
  var over = null;

  function token() {
    var input = board.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function say(text, refused) {
    if (!status) return;
    status.textContent = text || "";
    status.classList.toggle("dispatch-error", Boolean(refused));
  }

  function unmark() {
    if (over) over.classList.remove("dispatch-drop");
    over = null;
  }

  function slotOf(event) {
    var target = event.target;
    return target instanceof Element ? target.closest("[data-slot]") : null;
  }

  board.addEventListener("dragstart", function (event) {
    var target = event.target;
    var visit = target instanceof Element ? target.closest("[data-move-url]") : null;
    if (!visit) return;
    dragged = visit;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", visit.getAttribute("data-appointment"));
    // let the drop reach the columns under the other visits
    window.setTimeout(function () { board.classList.add("dispatch-dragging"); }, 0);
  });

  board.addEventListener("dragend", function () {
    board.classList.remove("dispatch-dragging");
    unmark();
    dragged = null;
  });

  board.addEventListener("dragover", function (event) {
    var slot = slotOf(event);
    if (!slot || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (over !== slot) {
      unmark();
      over = slot;
      slot.classList.add("dispatch-drop");
    }
  });

  board.addEventListener("drop", function (event) {
    var slot = slotOf(event);
    if (!slot || !dragged) return;
    event.preventDefault();
    move(dragged, slot);
  });

  function refused(visit, text) {
    visit.classList.remove("dispatch-pending");
    say(text || board.getAttribute("data-failed"), true);
    visit.focus();
  }

  function move(visit, slot) {
    var body = new URLSearchParams();
    body.set("technician", slot.getAttribute("data-technician"));
    body.set("starts_at", slot.getAttribute("data-start"));
    visit.classList.add("dispatch-pending");
    say(board.getAttribute("data-moving"), false);
    window.fetch(visit.getAttribute("data-move-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false }; });
    }).then(function (answer) {
      if (answer.ok) {
        window.location.reload();
      } else {
        refused(visit, answer.error);
      }
    }, function () { refused(visit, ""); });
  }
})();
