// Loaded in <head>, before the page paints: applies the theme the visitor picked with the toggle
// (static/js/app.js stores it). Without a stored choice the CSS follows prefers-color-scheme.
(function () {
  try {
    var stored = window.localStorage.getItem("codecapsule-theme");
    if (stored === "light" || stored === "dark") {
      document.documentElement.dataset.theme = stored;
    }
  } catch (error) {
    // Storage can be disabled (private mode, strict settings): the system theme applies.
  }
})();
