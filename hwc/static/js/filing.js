// The tablet filing form: keeps what was typed in the browser until the server has it,
// fills the GPS position, adds and removes loss rows, shows the rate of each loss and
// previews photos. Works without it too: every step is a plain form.
(function () {
  "use strict";
  var PENDING = "hwc-filing-pending";

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.type !== "file" &&
        el.type !== "hidden" && el.type !== "submit" && el.type !== "button";
    });
  }

  function save(form) {
    var data = {};
    fields(form).forEach(function (el) {
      data[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    try { localStorage.setItem(form.dataset.draftKey, JSON.stringify(data)); } catch (e) { /* full */ }
  }

  function restore(form) {
    var raw = null;
    try { raw = localStorage.getItem(form.dataset.draftKey); } catch (e) { return; }
    if (!raw) { return; }
    var data = null;
    try { data = JSON.parse(raw); } catch (e) { data = null; }
    if (!data || typeof data !== "object" || Array.isArray(data)) {
      // A damaged copy (a full disk, another program): drop it rather than fail on every load.
      try { localStorage.removeItem(form.dataset.draftKey); } catch (e) { /* ignore */ }
      return;
    }
    var wanted = 0;
    Object.keys(data).forEach(function (name) {
      var match = /^rows-(\d+)-/.exec(name);
      if (match) { wanted = Math.max(wanted, Number(match[1]) + 1); }
    });
    while (form.querySelectorAll("[data-loss-row]").length < wanted) {
      if (!addRow(form)) { break; }
    }
    fields(form).forEach(function (el) {
      if (!(el.name in data)) { return; }
      if (el.type === "checkbox") { el.checked = !!data[el.name]; }
      else if (!el.value || el.tagName === "SELECT") { el.value = data[el.name]; }
    });
  }

  // A page that loads without errors after a submit means the server has the data.
  function settle() {
    var pending = sessionStorage.getItem(PENDING);
    if (!pending) { return; }
    var same = document.querySelector('form[data-draft-key="' + pending + '"]');
    if (same && same.querySelector('[aria-invalid="true"], .field-error')) { return; }
    if (same && document.querySelector(".flash-error")) { return; }
    try { localStorage.removeItem(pending); } catch (e) { /* ignore */ }
    sessionStorage.removeItem(PENDING);
  }

  function renumber(form) {
    form.querySelectorAll("[data-loss-row]").forEach(function (row, index) {
      row.querySelectorAll("[name]").forEach(function (el) {
        el.name = el.name.replace(/^rows-\d+-/, "rows-" + index + "-");
        if (el.id) { el.id = el.id.replace(/^rows-\d+-/, "rows-" + index + "-"); }
      });
      var number = row.querySelector("[data-row-number]");
      if (number) { number.textContent = String(index + 1); }
    });
  }

  function addRow(form) {
    var rows = form.querySelector("[data-loss-rows]");
    var last = rows && rows.querySelector("[data-loss-row]:last-of-type");
    if (!last) { return null; }
    var copy = last.cloneNode(true);
    copy.hidden = false;
    copy.querySelectorAll("input, select").forEach(function (el) {
      if (el.type === "checkbox") { el.checked = false; }
      else if (el.tagName === "INPUT") { el.value = ""; }
      el.removeAttribute("aria-invalid");
    });
    copy.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    rows.appendChild(copy);
    renumber(form);
    showRate(copy);
    return copy;
  }

  var rates = null;
  function loadRates() {
    var node = document.getElementById("rates-data");
    rates = node ? JSON.parse(node.textContent) : null;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] || ""; });
  }

  function showRate(row) {
    var out = row.querySelector("[data-rate-hint]");
    var texts = document.getElementById("rate-texts");
    if (!out || !texts || !rates) { return; }
    var get = function (field) {
      var el = row.querySelector('[name$="-' + field + '"]');
      return el ? el.value : "";
    };
    var match = null;
    rates.rates.forEach(function (rate) {
      if (rate.kind !== get("kind") || rate.category !== get("category")) { return; }
      if (rate.condition === get("condition")) { match = rate; }
      else if (!rate.condition && !match) { match = rate; }
    });
    out.textContent = match ? match.text : (get("category") ? texts.dataset.none : "");
  }

  function locate(button) {
    var status = document.querySelector(".gps-status");
    if (!navigator.geolocation) { status.textContent = button.dataset.msgFail; return; }
    status.textContent = button.dataset.msgWait;
    navigator.geolocation.getCurrentPosition(function (position) {
      var c = position.coords;
      document.getElementById("lat").value = c.latitude.toFixed(6);
      document.getElementById("lon").value = c.longitude.toFixed(6);
      document.getElementById("accuracy").value = Math.round(c.accuracy);
      status.textContent = fill(button.dataset.msgDone, {m: String(Math.round(c.accuracy))});
      var form = button.closest("form");
      if (form) { save(form); }
    }, function () {
      status.textContent = button.dataset.msgFail;
    }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
  }

  function previews(input) {
    var list = document.querySelector("[data-previews]");
    if (!list) { return; }
    list.innerHTML = "";
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      img.width = 160;
      item.appendChild(img);
      list.appendChild(item);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    settle();
    loadRates();
    document.querySelectorAll("form[data-draft-key]").forEach(function (form) {
      restore(form);
      form.addEventListener("input", function () { save(form); });
      form.addEventListener("change", function (event) {
        save(form);
        var row = event.target.closest("[data-loss-row]");
        if (row) { showRate(row); }
        if (event.target.matches("[data-preview]")) { previews(event.target); }
        if (event.target.name && /-remove$/.test(event.target.name)) {
          row.classList.toggle("removed", event.target.checked);
        }
      });
      form.addEventListener("submit", function () {
        save(form);
        sessionStorage.setItem(PENDING, form.dataset.draftKey);
      });
      form.querySelectorAll("[data-loss-row]").forEach(showRate);
    });
    document.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var form = document.querySelector("form[data-draft-key]");
        var row = addRow(form);
        if (row) { row.querySelector("select, input").focus(); save(form); }
      });
    });
    document.querySelectorAll("[data-gps]").forEach(function (button) {
      button.addEventListener("click", function () { locate(button); });
    });
  });
})();
