// Every page: a form is sent once, however often a finger taps its button.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sent === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    form.querySelectorAll("[data-once]").forEach(function (button) {
      button.setAttribute("aria-busy", "true");
    });
    // Allow a new try if the page is still here after a while (a failed connection).
    window.setTimeout(function () { form.dataset.sent = ""; }, 15000);
  });
})();
