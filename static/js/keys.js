// Keyboard shortcuts for the call script. Elements declare their key with
// data-key="1" (or "F2", "Escape"…); the key clicks (or focuses) the element
// unless the operator is typing in a field. Alt+key works even inside fields.
(function () {
  "use strict";
  function isTyping(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  document.addEventListener("keydown", function (event) {
    // Ctrl+Enter in a text area sends its form.
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && event.target.form) {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (event.ctrlKey || event.metaKey) return;
    if (isTyping(event.target) && !event.altKey && !/^F\d+$/.test(event.key)) return;
    var key = event.key;
    var el = document.querySelector('[data-key="' + CSS.escape(key) + '"]:not([disabled])');
    if (!el) return;
    event.preventDefault();
    if (el.matches("input, select, textarea")) { el.focus(); el.select && el.select(); }
    else { el.click(); }
  });
  // After htmx swaps a panel in, focus the field marked autofocus inside it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var el = event.target.querySelector("[autofocus]");
    if (el) { el.focus(); if (el.select) el.select(); }
  });
})();
