// Small glue for every page: the light/dark toggle, removing table rows on the capsule form, and focus
// management after htmx swaps. Pages work without it; this only makes them nicer.
(function () {
  "use strict";
  var STORAGE_KEY = "codecapsule-theme";
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function currentTheme() {
    var chosen = document.documentElement.dataset.theme;
    if (chosen === "light" || chosen === "dark") return chosen;
    return darkQuery && darkQuery.matches ? "dark" : "light";
  }

  function syncToggle() {
    var dark = currentTheme() === "dark";
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.hidden = false;
      button.setAttribute("aria-pressed", dark ? "true" : "false");
      button.title = dark ? "Switch to the light theme" : "Switch to the dark theme";
    });
  }

  function setTheme(theme) {
    document.documentElement.dataset.theme = theme;
    try {
      window.localStorage.setItem(STORAGE_KEY, theme);
    } catch (error) {
      // Not persisted; the choice still holds for this page.
    }
    syncToggle();
    document.dispatchEvent(new CustomEvent("codecapsule:themechange", { detail: { theme: theme } }));
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-theme-toggle]");
    if (toggle) {
      setTheme(currentTheme() === "dark" ? "light" : "dark");
      return;
    }
    // "Remove" row buttons submit the form (the server re-renders it without the row) when there is no
    // JavaScript; here the row simply leaves the page. Posted rows are renumbered by the server.
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      event.preventDefault();
      var row = remove.closest("[data-row]");
      var body = row && row.parentElement;
      if (!row) return;
      var next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      var focusTarget = next ? next.querySelector("[data-remove-row]") : null;
      if (!focusTarget && body) {
        focusTarget = document.querySelector('[data-add-row][aria-controls="' + body.id + '"]');
      }
      if (focusTarget) focusTarget.focus();
    }
  });

  if (darkQuery && darkQuery.addEventListener) {
    darkQuery.addEventListener("change", function () {
      syncToggle();
      if (!document.documentElement.dataset.theme) {
        document.dispatchEvent(new CustomEvent("codecapsule:themechange", { detail: { theme: currentTheme() } }));
      }
    });
  }

  // A row appended by htmx: move focus into it, so keyboard users continue where the new row is.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.matches("[data-rows-body]")) {
      var rows = target.querySelectorAll("[data-row]");
      var last = rows[rows.length - 1];
      var field = last && last.querySelector("input:not([type=hidden]), textarea, select");
      if (field) field.focus();
    }
  });

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }

  syncToggle();
  focusErrorSummary();
})();
