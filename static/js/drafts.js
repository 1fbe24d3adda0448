// Drafts of POST forms (issue 9): what a user types is kept in this browser tab (sessionStorage)
// until the server has it, so a session that expired, or a logout in another tab, loses nothing.
//
// - A draft belongs to one user (<body data-user>), one page (path and query) and one form on it;
//   it holds only the fields the user changed, each with the value the page first showed ("base").
// - Back on the same page as the same user, a field is put back when the page still shows its
//   base; if the saved record changed meanwhile, the user is asked first. Nothing is restored for
//   another user, and file inputs, passwords, hidden fields and the CSRF token never are.
// - The draft is dropped when the page after a submit shows that it was saved.
(function () {
  "use strict";
  var strings = (document.currentScript && document.currentScript.dataset) || {};
  var PREFIX = "sctic.draft:";
  var PENDING = "sctic.draft-pending";
  var TEXT_TYPES = /^(text|search|email|url|tel|number|date|datetime-local|month|week|time)$/;
  var SKIP_TYPES = /^(hidden|password|file|submit|button|reset|image)$/;
  var store;
  try {
    store = window.sessionStorage;
    store.getItem(PENDING);
  } catch (e) {
    return; // no storage (privacy mode): the server-side message still says what happened
  }
  var user = document.body.dataset.user || "";
  var state = new WeakMap(); // form -> {key, page}
  var byKey = {};

  function get(key) {
    try { return JSON.parse(store.getItem(key)); } catch (e) { return null; }
  }
  function put(key, value) {
    try { store.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full: the form still posts */ }
  }
  function drop(key) {
    try { store.removeItem(key); } catch (e) { /* nothing to drop */ }
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.name === "csrfmiddlewaretoken" || el.closest("[data-no-draft]")) return false;
      if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
      return el.tagName === "INPUT" && !SKIP_TYPES.test(el.type);
    });
  }

  function tracked(form) {
    if (form.method !== "post" || form.hasAttribute("data-no-draft") || form.querySelector("input[type=password]")) return false;
    return fields(form).some(function (el) {
      return el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && TEXT_TYPES.test(el.type));
    });
  }

  // name -> JSON list of the values of the fields of that name (checked boxes, selected options).
  function values(form) {
    var lists = {};
    fields(form).forEach(function (el) {
      var list = lists[el.name] || (lists[el.name] = []);
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) list.push(el.value);
      } else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.selectedOptions, function (o) { list.push(o.value); });
      } else {
        list.push(el.value);
      }
    });
    var out = {};
    Object.keys(lists).forEach(function (name) { out[name] = JSON.stringify(lists[name]); });
    return out;
  }

  function assign(form, name, serialized) {
    var wanted = JSON.parse(serialized);
    var i = 0;
    fields(form).forEach(function (el) {
      if (el.name !== name) return;
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = wanted.indexOf(el.value) >= 0;
      } else if (el.tagName === "SELECT") {
        var known = Array.prototype.some.call(el.options, function (o) { return wanted.indexOf(o.value) >= 0; });
        if (known || el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = wanted.indexOf(o.value) >= 0; });
        }
      } else {
        el.value = i < wanted.length ? wanted[i] : "";
        i += 1;
      }
    });
  }

  function save(form) {
    var st = state.get(form);
    if (!st) return;
    var now = values(form);
    var old = get(st.key);
    var before = (old && old.user === user && old.fields) || {};
    var kept = {};
    Object.keys(before).forEach(function (name) {
      // Untouched here (or not on the page any more): keep what the draft had.
      if (!(name in now) || now[name] === st.page[name]) kept[name] = before[name];
    });
    Object.keys(now).forEach(function (name) {
      if (name in kept) return;
      var base = name in before ? before[name].base : st.page[name];
      if (now[name] !== base) kept[name] = { base: base, value: now[name] };
    });
    if (Object.keys(kept).length) put(st.key, { user: user, at: Date.now(), fields: kept });
    else drop(st.key);
  }

  function notice(form, text, buttons) {
    var box = document.createElement("div");
    box.className = "alert alert-info d-flex flex-wrap gap-2 align-items-center";
    box.setAttribute("role", "status");
    box.setAttribute("data-draft-notice", "");
    var span = document.createElement("span");
    span.className = "me-auto";
    span.textContent = text;
    box.appendChild(span);
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-outline-secondary";
      button.setAttribute("data-draft-action", b[0]);
      button.textContent = b[1];
      button.addEventListener("click", function () { b[2](); box.remove(); });
      box.appendChild(button);
    });
    form.parentNode.insertBefore(box, form);
    var panel = form.closest(".collapse:not(.show)"); // a transition's comment form: open it
    if (panel) {
      if (window.bootstrap && window.bootstrap.Collapse) window.bootstrap.Collapse.getOrCreateInstance(panel, { toggle: false }).show();
      else panel.classList.add("show");
    }
  }

  function restore(form, st) {
    var draft = get(st.key);
    if (!draft || draft.user !== user || !draft.fields) return;
    var restored = [];
    var changed = [];
    Object.keys(draft.fields).forEach(function (name) {
      var f = draft.fields[name];
      if (!(name in st.page) || st.page[name] === f.value) return;
      (st.page[name] === f.base ? restored : changed).push(name);
    });
    restored.forEach(function (name) { assign(form, name, draft.fields[name].value); });
    function discard() {
      restored.forEach(function (name) { assign(form, name, st.page[name]); });
      drop(st.key);
    }
    if (changed.length) {
      notice(form, strings.changed || "", [
        ["restore", strings.restore || "", function () {
          changed.forEach(function (name) { assign(form, name, draft.fields[name].value); });
          save(form);
        }],
        ["discard", strings.discard || "", discard],
      ]);
    } else if (restored.length) {
      notice(form, strings.restored || "", [["discard", strings.discard || "", discard]]);
    }
  }

  if (user) {
    var counts = {};
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
      if (!tracked(form)) return;
      var action = form.getAttribute("action") || "";
      counts[action] = (counts[action] || 0) + 1;
      var key = PREFIX + user + ":" + location.pathname + location.search + ":" + action + ":" + counts[action];
      var st = { key: key, page: values(form) };
      state.set(form, st);
      byKey[key] = form;
      restore(form, st);
    });
  }

  // The first page after a submit tells whether the server took it.
  var pending = get(PENDING);
  drop(PENDING);
  if (pending && pending.user === user) {
    var nav = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    var status = (nav && nav.responseStatus) || 0;
    var failed =
      status >= 400 ||
      document.getElementById("session-expired") ||
      document.querySelector(".messages .alert-danger, main .is-invalid, main .alert-danger");
    var saved = !failed && (!byKey[pending.key] || document.querySelector(".messages .alert-success"));
    if (saved) drop(pending.key);
  }

  function onEdit(event) {
    var form = event.target && event.target.form;
    if (form && state.has(form)) save(form);
  }
  document.addEventListener("input", onEdit);
  document.addEventListener("change", onEdit);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !state.has(form)) return; // cancelled, or a second click
    save(form);
    put(PENDING, { key: state.get(form).key, user: user, at: Date.now() });
  });
  window.addEventListener("pagehide", function () {
    Object.keys(byKey).forEach(function (key) { save(byKey[key]); });
  });
})();
