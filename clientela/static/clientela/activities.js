// Activities: keyboard paging in the calendar, and the quick-log form after htmx swaps.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () {
    // In the calendar, the arrow keys page to the previous or next week/month.
    var prev = document.querySelector("[data-calendar-prev]");
    var next = document.querySelector("[data-calendar-next]");
    if (prev && next) {
      document.addEventListener("keydown", function (event) {
        var tag = (event.target.tagName || "").toLowerCase();
        if (tag === "input" || tag === "textarea" || tag === "select" || event.altKey || event.ctrlKey || event.metaKey) return;
        if (event.key === "ArrowLeft") window.location.assign(prev.href);
        if (event.key === "ArrowRight") window.location.assign(next.href);
      });
    }
  });

  // After a quick log is saved, put the cursor back in its subject for the next one.
  document.addEventListener("htmx:afterSwap", function (event) {
    var form = event.detail && event.detail.target;
    if (form && form.classList && form.classList.contains("quick-log") && form.querySelector(".message-success")) {
      var subject = form.querySelector("input[name=subject]");
      if (subject) subject.focus();
    }
  });
})();
