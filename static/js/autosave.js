// Autosave status for text fields saved through htmx (data-autosave).
// htmx posts the text; this script only tells the user where things stand,
// retries failed saves, and never touches what they typed.
(function () {
  "use strict";

  const RETRY_SECONDS = [5, 15, 30, 60];
  const failures = new Map(); // key -> number of failed attempts in a row

  function messages() {
    const el = document.getElementById("autosave-messages");
    return el ? el.dataset : {};
  }

  function statusOf(key) {
    return document.getElementById("status-" + key);
  }

  function setStatus(key, state, text) {
    const status = statusOf(key);
    if (!status) return;
    status.dataset.state = state;
    status.className = "save-status save-status--" + state;
    status.textContent = text;
    if (state === "error") {
      status.setAttribute("role", "alert");
    } else {
      status.removeAttribute("role");
    }
  }

  function fieldOf(event) {
    const elt = event.detail && event.detail.elt;
    return elt && elt.matches && elt.matches("[data-autosave]") ? elt : null;
  }

  function retryLater(field, text) {
    const key = field.dataset.autosave;
    const count = (failures.get(key) || 0) + 1;
    failures.set(key, count);
    const seconds = RETRY_SECONDS[Math.min(count - 1, RETRY_SECONDS.length - 1)];
    setStatus(key, "error", text);
    window.setTimeout(function () {
      htmx.trigger(field, "autosave-retry");
    }, seconds * 1000);
  }

  document.addEventListener("input", function (event) {
    const field = event.target;
    if (field.matches && field.matches("[data-autosave]")) {
      const key = field.dataset.autosave;
      if (statusOf(key) && statusOf(key).dataset.state !== "error") {
        setStatus(key, "dirty", messages().dirty || "");
      }
    }
  });

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    const field = fieldOf(event);
    if (field) {
      const status = statusOf(field.dataset.autosave);
      if (!status || status.dataset.state !== "error") {
        setStatus(field.dataset.autosave, "saving", messages().saving || "");
      }
    }
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    const field = fieldOf(event);
    if (!field) return;
    const xhr = event.detail.xhr;
    const status = xhr ? xhr.status : 0;
    if (status === 200) {
      failures.delete(field.dataset.autosave);
    } else if (status === 401 || status === 403) {
      retryLater(field, messages().expired || "");
    } else if (status === 0 || status >= 500) {
      retryLater(field, messages().offline || "");
    }
  });

  document.body.addEventListener("htmx:sendError", function (event) {
    const field = fieldOf(event);
    if (field) retryLater(field, messages().offline || "");
  });

  // "Save my version" after a conflict: take the stored version as the base,
  // so the next save is a deliberate choice, and save now.
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-resolve]");
    if (!button) return;
    const key = button.dataset.resolve;
    const version = document.getElementById("version-" + key);
    const field = document.getElementById("text-" + key);
    const conflict = document.getElementById("conflict-" + key);
    if (!version || !field) return;
    version.value = button.dataset.version;
    if (conflict) conflict.replaceChildren();
    setStatus(key, "saving", messages().saving || "");
    htmx.trigger(field, "autosave-retry");
  });

  window.addEventListener("beforeunload", function (event) {
    const unsaved = document.querySelector(
      ".save-status[data-state='dirty'], .save-status[data-state='saving'], .save-status[data-state='error'], .save-status[data-state='conflict']"
    );
    if (unsaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
