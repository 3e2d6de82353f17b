// Small page behaviours that would otherwise be inline script or htmx filters needing
// eval (the Content-Security-Policy allows neither):
// - [data-print] buttons print the page;
// - Enter released in a field sends a bubbling "enterkey" event
//   (hx-trigger="…, enterkey" instead of keyup[key=='Enter']);
// - a changed [data-change-event="name"] field sends a bubbling "name" event.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
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
})();
