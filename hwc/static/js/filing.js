// The tablet filing form: keeps what was typed in the browser until the server has it,
// sends each step in the background so that a dropped connection never loses the page (the step
// waits and is sent again when the connection returns), fills the GPS position, adds and removes
// loss rows, shows the rate of each loss and previews photos. Works without it too: every step is
// a plain form.
(function () {
  "use strict";
  var PENDING = "hwc-filing-pending";
  // The copy's marker of a save that has not reached the server yet (and which button sent it).
  var SAVING = "__saving";
  var TIMEOUT = 30000;
  var FIRST_RETRY = 5000;
  var LAST_RETRY = 60000;
  var INTERCEPT = typeof window.fetch === "function" && typeof window.FormData === "function" &&
    typeof window.DOMParser === "function";

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.type !== "file" &&
        el.type !== "hidden" && el.type !== "submit" && el.type !== "button";
    });
  }

  function state(form) {
    if (!form.hwcSave) { form.hwcSave = {sending: false, waiting: false, attempt: 0, timer: null}; }
    return form.hwcSave;
  }

  // Identity number and bank account (``data-until-saved``) are kept only while a save waits for
  // the server: a shared tablet must not hold them longer. The rest is kept while typing.
  function save(form) {
    var pending = state(form).sending || state(form).waiting;
    var data = {};
    fields(form).forEach(function (el) {
      if (!pending && el.hasAttribute("data-until-saved")) { return; }
      data[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    if (pending) { data[SAVING] = state(form).button || ""; }
    try { localStorage.setItem(form.dataset.draftKey, JSON.stringify(data)); } catch (e) { /* full */ }
  }

  function forget(form) {
    try { localStorage.removeItem(form.dataset.draftKey); } catch (e) { /* ignore */ }
    sessionStorage.removeItem(PENDING);
  }

  // The stored copy, or null; a damaged copy (a full disk, another program) is dropped rather
  // than left to fail on every load.
  function stored(form) {
    var raw = null;
    try { raw = localStorage.getItem(form.dataset.draftKey); } catch (e) { return null; }
    if (!raw) { return null; }
    var data = null;
    try { data = JSON.parse(raw); } catch (e) { data = null; }
    if (!data || typeof data !== "object" || Array.isArray(data)) {
      try { localStorage.removeItem(form.dataset.draftKey); } catch (e) { /* ignore */ }
      return null;
    }
    return data;
  }

  function restore(form, data) {
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

  // Without background sending (an old browser): a page that loads without errors after a
  // submit means the server has the data.
  function settle() {
    var pending = sessionStorage.getItem(PENDING);
    if (!pending) { return; }
    var same = document.querySelector('form[data-draft-key="' + pending + '"]');
    if (same && same.querySelector('[aria-invalid="true"], .field-error')) { return; }
    if (same && document.querySelector(".flash-error")) { return; }
    try { localStorage.removeItem(pending); } catch (e) { /* ignore */ }
    sessionStorage.removeItem(PENDING);
  }

  function showStatus(form, name) {
    var out = form.querySelector("[data-save-status]");
    if (!out) { return; }
    out.dataset.state = name || "";
    out.textContent = name ? out.getAttribute("data-msg-" + name) || "" : "";
  }

  function release(form) {
    form.dataset.sent = "";
    form.querySelectorAll("[data-once]").forEach(function (button) {
      button.removeAttribute("aria-busy");
    });
  }

  // Sends the step as the plain form would, and follows the server's answer.
  function send(form) {
    var now = state(form);
    if (now.sending) { return; }
    window.clearTimeout(now.timer);
    now.sending = true;
    save(form);
    var body = new FormData(form);
    if (now.button) { body.append(now.button, now.value || ""); }
    var withFiles = Array.prototype.some.call(form.querySelectorAll("input[type=file]"),
      function (input) { return input.files && input.files.length > 0; });
    var controller = typeof window.AbortController === "function" ? new AbortController() : null;
    // Photos may take long on a weak line, and a photo sent twice is a second photo: no timeout.
    var timer = controller && !withFiles ?
      window.setTimeout(function () { controller.abort(); }, TIMEOUT) : null;
    window.fetch(form.action, {method: "POST", body: body, credentials: "same-origin",
                               signal: controller ? controller.signal : undefined})
      .then(function (response) {
        return response.text().then(function (html) { return {response: response, html: html}; });
      })
      .then(function (answer) {
        window.clearTimeout(timer);
        now.sending = false;
        if (answer.response.status >= 500) { wait(form); return; }
        answered(form, answer.response, answer.html);
      }, function () {
        window.clearTimeout(timer);
        now.sending = false;
        wait(form);
      });
  }

  // Not saved: keep everything, say so, and try again when the connection returns (or after a
  // growing pause, since a tablet does not always notice it is back online).
  function wait(form) {
    var now = state(form);
    now.waiting = true;
    save(form);
    showStatus(form, "waiting");
    release(form);
    var pause = Math.min(FIRST_RETRY * Math.pow(2, now.attempt), LAST_RETRY);
    now.attempt += 1;
    window.clearTimeout(now.timer);
    now.timer = window.setTimeout(function () { retry(form); }, pause);
  }

  function retry(form) {
    if (state(form).waiting && document.contains(form)) { send(form); }
  }

  function answered(form, response, html) {
    var now = state(form);
    now.waiting = false;
    window.clearTimeout(now.timer);
    var login = form.dataset.loginUrl;
    var toLogin = login && new URL(response.url, location.href).pathname === login;
    if (response.redirected && response.ok && !toLogin) {
      forget(form);  // the server has the step
    } else {
      save(form);  // refused or logged out: keep the typing, not the identity number
    }
    showPage(html, response.url);
  }

  var shownPath = location.pathname + location.search;

  // Shows the server's answer as if the browser had loaded it.
  function showPage(html, url) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    if (!doc.body || !doc.querySelector("main")) { location.assign(url); return; }
    document.title = doc.title;
    if (doc.documentElement.lang) { document.documentElement.lang = doc.documentElement.lang; }
    document.body = document.adoptNode(doc.body);
    if (url && url !== location.href) {
      history.pushState({hwcFiling: true}, "", url);
      shownPath = location.pathname + location.search;
      window.scrollTo(0, 0);
    }
    setup(document);
    var invalid = document.querySelector('[aria-invalid="true"], .flash-error');
    if (invalid) {
      invalid.scrollIntoView({block: "center"});
      if (invalid.focus) { invalid.focus(); }
    }
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

  function watch(form) {
    var data = stored(form);
    if (data) { restore(form, data); }
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
    form.addEventListener("submit", function (event) {
      // A button that posts elsewhere (deleting a photo) is a plain post, not a save of the step.
      var elsewhere = event.submitter && event.submitter.hasAttribute("formaction");
      if (!INTERCEPT || elsewhere) {
        save(form);
        sessionStorage.setItem(PENDING, form.dataset.draftKey);
        return;
      }
      event.preventDefault();
      var now = state(form);
      var button = event.submitter;
      now.button = button && button.name ? button.name : "";
      now.value = button && button.name ? button.value : "";
      now.attempt = 0;
      send(form);
    });
    form.querySelectorAll("[data-loss-row]").forEach(showRate);
    // A save that never reached the server (the page was left or reloaded): send it again.
    if (INTERCEPT && data && SAVING in data && !form.querySelector("input[type=file]")) {
      var now = state(form);
      now.button = data[SAVING];
      now.value = "";
      wait(form);
    }
  }

  function setup(root) {
    loadRates();
    root.querySelectorAll("form[data-draft-key]").forEach(watch);
    root.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var form = document.querySelector("form[data-draft-key]");
        var row = addRow(form);
        if (row) { row.querySelector("select, input").focus(); save(form); }
      });
    });
    root.querySelectorAll("[data-gps]").forEach(function (button) {
      button.addEventListener("click", function () { locate(button); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    settle();
    setup(document);
  });
  window.addEventListener("online", function () {
    document.querySelectorAll("form[data-draft-key]").forEach(function (form) {
      if (form.hwcSave && form.hwcSave.waiting) { form.hwcSave.attempt = 0; retry(form); }
    });
  });
  // Pages shown in place have their own history entries; going back or forward loads them.
  window.addEventListener("popstate", function () {
    if (location.pathname + location.search !== shownPath) { location.reload(); }
  });
})();
