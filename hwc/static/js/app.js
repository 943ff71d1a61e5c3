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

// Logging out forgets every filing kept in this browser: tablets are shared, and the copies hold
// names, phone and identity numbers.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    if (!event.target.hasAttribute("data-forget-filings")) { return; }
    try {
      Object.keys(localStorage).forEach(function (key) {
        if (key.indexOf("hwc-filing-") === 0) { localStorage.removeItem(key); }
      });
      sessionStorage.removeItem("hwc-filing-pending");
    } catch (e) { /* storage unavailable: nothing kept either */ }
  });
})();
