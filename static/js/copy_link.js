// Copy a parent's link with one click. The link also stands in a read-only
// box, so without JavaScript (or when the browser refuses the clipboard) it
// can be selected and copied by hand; the buttons appear only when this runs.
(function () {
  "use strict";

  function reveal(root) {
    root.querySelectorAll("[data-copy-link]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function say(button, text) {
    const status = document.querySelector(
      "[data-copy-status='" + button.getAttribute("data-copy-link") + "']"
    );
    if (!status) return;
    // Emptied first, so a second click is announced again.
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = text;
    }, 50);
  }

  function byHand(button, input) {
    input.focus();
    input.select();
    say(button, button.getAttribute("data-manual"));
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy-link]");
    if (!button) return;
    const input = document.getElementById(button.getAttribute("data-copy-link"));
    if (!input) return;
    if (!navigator.clipboard || !window.isSecureContext) {
      byHand(button, input);
      return;
    }
    navigator.clipboard.writeText(input.value).then(
      function () {
        say(button, button.getAttribute("data-copied"));
      },
      function () {
        byHand(button, input);
      }
    );
  });

  // A click in the box selects the whole link, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-copy-source]")) {
      event.target.select();
    }
  });

  reveal(document);
  // Steps arrive through htmx without a page load.
  document.addEventListener("htmx:load", function (event) {
    reveal(event.target);
  });
})();
