// Print buttons (data-print): shown only when this script runs, since
// without JavaScript the browser's own print command does the same.
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
