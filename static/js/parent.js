// Parent questionnaire: htmx saves the form as the parent answers (the form's
// hx-post, with autosave=1); this script only keeps the status line honest
// while a save is under way or when it fails. Without JavaScript the Next and
// Back buttons save the same form.
(function () {
  "use strict";

  function statusLine() {
    return document.getElementById("save-status");
  }

  function show(text, state) {
    const status = statusLine();
    if (!status) return;
    const span = document.createElement("span");
    span.className = "save-status--" + state;
    span.textContent = text;
    status.replaceChildren(span);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    const status = statusLine();
    if (status && event.detail.elt.matches("form.question")) {
      show(status.dataset.saving || "", "saving");
    }
  });

  function failed(event) {
    const status = statusLine();
    if (status && event.detail.elt.matches("form.question")) {
      show(status.dataset.failed || "", "error");
    }
  }

  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:responseError", failed);
})();
