// Knowledge base on a ticket's page. As the agent types a reply, the "Suggested articles"
// panel asks the server again (htmx, after a pause in typing) for the articles that best
// answer the ticket and the reply so far. "Insert into reply" puts a suggestion's text where
// the cursor is in the reply.
(function () {
  "use strict";

  var PAUSE = 450; // ms of quiet typing before asking

  function replyBox() {
    return document.querySelector("form.reply-form textarea[name='body']");
  }

  function refresh(panel, text) {
    var url = panel.getAttribute("data-kb-suggest-url");
    if (window.htmx) {
      window.htmx.ajax("GET", url, {
        target: "#kb-suggestions",
        swap: "innerHTML",
        values: { text: text },
      });
    }
  }

  function watch() {
    var panel = document.querySelector("[data-kb-suggest-url]");
    var box = replyBox();
    if (!panel || !box) return;
    var timer = null;
    var last = box.value;
    box.addEventListener("input", function () {
      if (timer) window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (box.value === last) return;
        last = box.value;
        refresh(panel, box.value.slice(0, 2000));
      }, PAUSE);
    });
  }

  function insert(text) {
    var box = replyBox();
    if (!box) return;
    var start = box.selectionStart || 0;
    var end = box.selectionEnd || 0;
    if (document.activeElement !== box) start = end = box.value.length;
    var before = box.value.slice(0, start);
    var gap = before && !/\n$/.test(before) ? "\n" : "";
    box.value = before + gap + text + box.value.slice(end);
    var caret = (before + gap + text).length;
    box.focus();
    box.setSelectionRange(caret, caret);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-kb-insert]") : null;
    if (!button) return;
    event.preventDefault();
    insert(button.getAttribute("data-kb-text") || "");
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watch);
  } else {
    watch();
  }
})();
