// Guided preparation. htmx swaps the steps; this script makes sure a step is
// only left once its texts are saved, moves focus to the new step, reports
// the state of ticked boxes, and offers a print button.
(function () {
  "use strict";

  const PENDING = ".save-status[data-state='dirty'], .save-status[data-state='saving']";
  const FAILED = ".save-status[data-state='error'], .save-status[data-state='conflict']";
  const WAIT_MS = 150;
  const GIVE_UP_MS = 15000;

  function showFailed() {
    const status = document.querySelector(FAILED);
    if (!status) return false;
    const field = document.getElementById("text-" + status.id.replace(/^status-/, ""));
    (field || status).focus();
    return true;
  }

  // Save now whatever is still waiting for the typing pause.
  function flush() {
    document.querySelectorAll(".save-status[data-state='dirty']").forEach(function (status) {
      const field = document.getElementById("text-" + status.id.replace(/^status-/, ""));
      if (field) htmx.trigger(field, "autosave-retry");
    });
  }

  document.addEventListener("htmx:confirm", function (event) {
    const elt = event.detail.elt;
    if (!elt.matches || !elt.matches("[data-step-nav]")) return;
    // A text that could not be saved stays on screen, with its message.
    if (showFailed()) {
      event.preventDefault();
      return;
    }
    if (!document.querySelector(PENDING)) return;
    event.preventDefault();
    flush();
    const started = Date.now();
    const wait = window.setInterval(function () {
      if (document.querySelector(PENDING) && Date.now() - started < GIVE_UP_MS) return;
      window.clearInterval(wait);
      if (!showFailed() && !document.querySelector(PENDING)) event.detail.issueRequest(true);
    }, WAIT_MS);
  });

  // After moving to another step, start reading at its heading.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id !== "step") return;
    const heading = document.getElementById("step-heading");
    if (heading) {
      // The title reads "<step> · <rest>": keep the rest, name the new step.
      const rest = document.title.indexOf(" · ");
      if (rest > 0) document.title = heading.textContent + document.title.slice(rest);
      heading.focus({ preventScroll: true });
      document.getElementById("step").scrollIntoView({ block: "start" });
    }
  });

  function choicesStatus(state, text) {
    const status = document.getElementById("choices-status");
    if (!status) return;
    status.className = "save-status save-status--" + state;
    status.textContent = text;
  }

  function isChoices(event) {
    const elt = event.detail.elt;
    return elt && elt.matches && elt.matches("[data-choices]");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!isChoices(event)) return;
    const messages = document.getElementById("autosave-messages");
    choicesStatus("saving", messages ? messages.dataset.saving : "");
  });

  function choicesFailed(event) {
    if (isChoices(event)) choicesStatus("error", event.detail.elt.dataset.failed || "");
  }
  document.addEventListener("htmx:sendError", choicesFailed);
  document.addEventListener("htmx:responseError", choicesFailed);

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
