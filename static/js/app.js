// Small behaviours without inline scripts (the CSP forbids them).
(function () {
  "use strict";

  // Filter forms whose values live in the URL (data-url-state): their controls always say what the URL
  // says — on load, on reload (the browser would refill them from its own memory) and after Back or
  // Forward (htmx restores a snapshot of the page whose inputs have lost what was typed).
  function syncFilters() {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form[data-url-state]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button") { return; }
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = params.getAll(el.name).indexOf(el.value) >= 0;
        } else if (el.tagName === "SELECT") {
          el.value = params.get(el.name) || "";
          if (el.selectedIndex < 0) { el.selectedIndex = 0; }
        } else {
          el.value = params.get(el.name) || "";
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    syncFilters();
    // Auto-submit filter forms marked data-autosubmit when a select changes.
    document.querySelectorAll("form[data-autosubmit] select").forEach(function (el) {
      el.addEventListener("change", function () { el.form.requestSubmit(); });
    });
  });
  document.addEventListener("htmx:historyRestore", syncFilters);
  window.addEventListener("pageshow", syncFilters);  // a page shown again from the back/forward cache
  window.addEventListener("popstate", function () { window.setTimeout(syncFilters, 0); });
})();
