// Keyboard shortcuts for the call script. Elements declare their key with
// data-key="1" (or "F2", "y"…); the key clicks (or focuses) the element unless
// the operator is typing in a field, where Alt+key does it. data-key="Alt+1" always
// needs Alt (a choice a stray digit must not change: the wrap-up outcome). Letters
// match by physical key, so they work on the Russian layout too.
(function () {
  "use strict";
  function isTyping(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function candidates(event) {
    var keys = [event.key];
    if (/^Key[A-Z]$/.test(event.code)) keys.push(event.code.slice(3).toLowerCase());
    if (/^Digit\d$/.test(event.code)) keys.push(event.code.slice(5));
    // data-key="Alt+1" answers only to Alt+1 (a bare digit typed into the page does nothing);
    // with Alt held, a plain data-key="y" still answers too.
    if (event.altKey) return keys.map(function (key) { return "Alt+" + key; }).concat(keys);
    return keys;
  }
  function find(keys) {
    for (var i = 0; i < keys.length; i++) {
      var el = document.querySelector('[data-key="' + CSS.escape(keys[i]) + '"]:not([disabled])');
      if (el) return el;
    }
    return null;
  }
  // Arrow keys move between a search field and its results (data-results="#id").
  function moveInResults(event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return false;
    var target = event.target;
    var search = target.matches("[data-results]") ? target : null;
    var list = search ? document.querySelector(search.dataset.results) : target.closest(".results");
    if (!list) return false;
    if (!search) search = document.querySelector('[data-results="#' + list.id + '"]');
    var fields = Array.prototype.slice.call(list.querySelectorAll("[data-result] input.qty"));
    if (!fields.length) return false;
    var index = fields.indexOf(target);
    var next = event.key === "ArrowDown" ? index + 1 : index - 1;
    event.preventDefault();
    if (next < 0) { if (search) search.focus(); return true; }
    var field = fields[Math.min(next, fields.length - 1)];
    field.focus();
    field.select();
    return true;
  }
  document.addEventListener("keydown", function (event) {
    if (moveInResults(event)) return;
    // Ctrl+Enter in a text area sends its form.
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && event.target.form) {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (event.ctrlKey || event.metaKey) return;
    if (isTyping(event.target) && !event.altKey && !/^F\d+$/.test(event.key)) return;
    var el = find(candidates(event));
    if (!el) return;
    event.preventDefault();
    if (el.matches("input, select, textarea")) { el.focus(); if (el.select) el.select(); }
    else { el.click(); }
  });
  // After htmx swaps a panel in, focus the field marked autofocus inside it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var el = event.target.querySelector("[autofocus]");
    if (el) { el.focus(); if (el.select) el.select(); }
  });
  // Show the results list once it has content.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.classList && event.target.classList.contains("results")) event.target.hidden = false;
  });
})();
