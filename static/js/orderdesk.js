// Small page behaviours that would otherwise be inline script or htmx filters needing
// eval (the Content-Security-Policy allows neither):
// - [data-print] buttons print the page;
// - Enter released in a field sends a bubbling "enterkey" event
//   (hx-trigger="…, enterkey" instead of keyup[key=='Enter']);
// - a changed [data-change-event="name"] field sends a bubbling "name" event;
// - [data-fill="#field"] buttons put a time into a datetime-local field: now plus
//   data-fill-minutes, or tomorrow at data-fill-tomorrow="10:00" (call-back quick picks);
// - after a swap or a page load, the first field marked aria-invalid gets the focus
//   (the field in error, not the submit button);
// - order entry: a line refused (e.g. an invalid quantity) keeps the search text and its
//   results, with the focus back on that product's quantity; after an offer is taken
//   (Alt+Y) the focus goes to the new line's quantity.
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localValue(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }
  document.addEventListener("click", function (event) {
    var fill = event.target.closest && event.target.closest("[data-fill]");
    if (fill) {
      var field = document.querySelector(fill.dataset.fill);
      if (!field) return;
      var when = new Date();
      if (fill.dataset.fillTomorrow) {
        var hm = fill.dataset.fillTomorrow.split(":");
        when.setDate(when.getDate() + 1);
        when.setHours(+hm[0], +hm[1], 0, 0);
      } else {
        when = new Date(when.getTime() + (+fill.dataset.fillMinutes) * 60000);
      }
      field.value = localValue(when);
      field.dispatchEvent(new Event("change", { bubbles: true }));
      return;
    }
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
  document.addEventListener("keyup", function (event) {
    if (event.key === "Enter" && !event.isComposing && event.target.dispatchEvent) {
      event.target.dispatchEvent(new CustomEvent("enterkey", { bubbles: true }));
    }
  });
  document.addEventListener("change", function (event) {
    var name = event.target.dataset && event.target.dataset.changeEvent;
    if (name) event.target.dispatchEvent(new CustomEvent(name, { bubbles: true }));
  });
  function focusInvalid(root) {
    var field = (root || document).querySelector('[aria-invalid="true"]');
    if (!field) return false;
    field.focus();
    if (field.select) field.select();
    return true;
  }
  document.addEventListener("DOMContentLoaded", function () { focusInvalid(document); });
  // runs after keys.js's autofocus handler (registered earlier), so the field in error wins
  document.addEventListener("htmx:afterSettle", function (event) { focusInvalid(event.target); });
  // Order entry (orders/templates/orders/entry.html): remember what the request was about.
  var lastAdd = null;   // {q, product} of the last add-line request
  var takenOffer = null; // product id of the offer just taken
  var lineEdited = false; // a line's quantity changed or the line removed
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target.closest && event.target.closest("form");
    if (!form) return;
    lineEdited = form.classList.contains("qty-form") || form.classList.contains("line-remove") ||
      form.classList.contains("add-form");
    var product = form.querySelector('input[name="product"]');
    var search = document.getElementById("order-q");
    if (form.classList.contains("add-form") && product && search) {
      lastAdd = { q: search.value, product: product.value };
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest('button[name="response"][value="accepted"]');
    var product = button && button.form && button.form.querySelector('input[name="product"]');
    if (product) takenOffer = product.value;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var search = document.getElementById("order-q");
    if (lineEdited && search) {
      // the changed rows come back out of band: back to the search, as after the panel
      lineEdited = false;
      if (!focusInvalid(document)) search.focus();
    }
    if (lastAdd && search && event.target.id !== "search-results") {
      var refused = document.querySelector('#order-main [role="alert"]');
      if (refused && !search.value) {
        search.value = lastAdd.q;
        search.dispatchEvent(new CustomEvent("enterkey", { bubbles: true }));  // the results again
        return;  // the focus goes to the quantity once the results are back
      }
      if (!refused) lastAdd = null;
    }
    if (lastAdd && event.target.id === "search-results") {
      var retry = event.target.querySelector('input[name="product"][value="' + lastAdd.product + '"]');
      var qty = retry && retry.form.querySelector('input[name="quantity"]');
      lastAdd = null;
      if (qty) { qty.focus(); qty.select(); }
      return;
    }
    if (takenOffer) {
      // out-of-band parts (the offers) may settle before the lines: wait for the line
      var line = document.getElementById("line-" + takenOffer);
      var quantity = line && line.querySelector('input[name="quantity"]');
      // after every part of the response has settled (a later part may autofocus)
      if (quantity) {
        takenOffer = null;
        setTimeout(function () { quantity.focus(); quantity.select(); }, 0);
      }
    }
  });
})();
