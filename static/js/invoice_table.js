// The staff invoice table: row selection for the bulk actions, tidy URLs for the filters, and the
// 400 answer (bad filters) shown in place. Everything here is optional: without it the page still
// works with plain links and forms. Event delegation, so rows swapped in by htmx need no set-up.
(function () {
  "use strict";

  function table() { return document.getElementById("invoice-table"); }

  function refreshSelection() {
    var root = table();
    if (!root) { return; }
    var boxes = root.querySelectorAll("input[name=ids]");
    var checked = root.querySelectorAll("input[name=ids]:checked");
    var n = checked.length;
    root.querySelectorAll("[data-needs-selection]").forEach(function (el) { el.disabled = n === 0; });
    root.querySelectorAll("[data-selected-count]").forEach(function (el) {
      el.textContent = n ? el.dataset.some.replace("{n}", n) : el.dataset.none;
      el.classList.toggle("fw-semibold", n > 0);
      el.classList.toggle("text-muted", n === 0);
    });
    boxes.forEach(function (box) {
      var row = box.closest("tr");
      if (row) { row.classList.toggle("is-selected", box.checked); }
    });
    var all = root.querySelector("[data-select-all]");
    if (all) {
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.closest || !el.closest("#invoice-table")) { return; }
    if (el.matches("[data-select-all]")) {
      table().querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = el.checked; });
    }
    if (el.matches("[data-select-all], input[name=ids]")) { refreshSelection(); }
  });

  // The search box asks for the table as one types; its "change" on leaving the box would ask again,
  // and the new rows would drop the ticks just set (leaving the box = clicking a checkbox).
  document.addEventListener("change", function (event) {
    if (event.target.id === "invoice-q") { event.stopPropagation(); }
  }, true);

  document.addEventListener("DOMContentLoaded", refreshSelection);
  document.addEventListener("htmx:afterSettle", refreshSelection);

  // Leave empty filters out of the request, so that the pushed URL reads ?q=альфа, not ?q=альфа&manager_id=&…
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get" || !event.detail.elt.closest("#invoice-filters")) { return; }
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (key) {
      if (params[key] === "") { delete params[key]; }
    });
  });

  // A 400 carries the explanation of what is wrong with the filters: show it instead of ignoring it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400 && event.detail.target && event.detail.target.id === "invoice-table") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
