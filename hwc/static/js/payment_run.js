// Keeps a payment run's progress bar current: asks the run's progress address every second
// until the run is finished, then reloads the page once for its files and item table.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-run-progress]");
    if (!box || box.dataset.finished === "true") { return; }
    var bar = box.querySelector("[data-progress]");
    function show(selector, text) {
      var node = box.querySelector(selector);
      if (node) { node.textContent = text; }
    }
    function update(state) {
      bar.max = state.total;
      bar.value = state.done;
      bar.textContent = state.done + " / " + state.total;
      show("[data-done]", state.done);
      show("[data-total]", state.total);
      show("[data-failed]", state.failed);
      show("[data-printed]", state.printed);
      var phase = box.querySelector("[data-phase]");
      phase.dataset.phase = state.phase;
      phase.textContent = state.phase_title;
      var left = box.querySelector("[data-seconds-left]");
      left.textContent = state.seconds_left === null ? "…" :
        left.dataset.unit.replace("{s}", state.seconds_left);
    }
    function poll() {
      fetch(box.dataset.runProgress, {credentials: "same-origin",
                                      headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (state) { update(state); }
          if (state && state.finished) { window.location.reload(); return; }
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 1000);
  });
})();
