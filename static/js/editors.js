// CodeMirror editors for the code fields of the capsule form (static/vendor/codemirror.js provides
// window.CodeCapsuleEditor.attach). Each <textarea data-editor> stays the form field: the editor writes
// every change back into it, so the form posts the same way with or without JavaScript.
(function () {
  "use strict";
  var views = new WeakMap();

  function attach(textarea) {
    if (!window.CodeCapsuleEditor || views.has(textarea)) return;
    var view = window.CodeCapsuleEditor.attach(textarea);
    if (view) views.set(textarea, view);
  }

  function attachAll(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("textarea[data-editor]")) attach(root);
    root.querySelectorAll("textarea[data-editor]").forEach(attach);
  }

  // Language and theme are fixed when an editor is made: rebuild it (the textarea holds the text).
  function rebuild(textarea) {
    var view = views.get(textarea);
    if (!view) return;
    var hadFocus = view.hasFocus;
    view.destroy();
    view.dom.remove();
    views.delete(textarea);
    delete textarea.dataset.editorAttached;
    textarea.hidden = false;
    attach(textarea);
    if (hadFocus && views.get(textarea)) views.get(textarea).focus();
  }

  function focusEditorOf(id) {
    var textarea = id && document.getElementById(id);
    var view = textarea && views.get(textarea);
    if (!view) return false;
    view.dom.scrollIntoView({ block: "center" });
    view.focus();
    return true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    attachAll(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    attachAll(event.detail.target);
  });

  // A language (or SQL dialect) select re-highlights the editors that follow it.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.id) return;
    document.querySelectorAll('textarea[data-language-from="' + select.id + '"]').forEach(function (textarea) {
      textarea.dataset.language = select.value;
      rebuild(textarea);
    });
  });

  document.addEventListener("codecapsule:themechange", function () {
    document.querySelectorAll("textarea[data-editor]").forEach(rebuild);
  });

  // The textarea is hidden behind its editor: its <label> and the error summary's links focus the editor.
  document.addEventListener("click", function (event) {
    var label = event.target.closest("label[for]");
    if (label && focusEditorOf(label.htmlFor)) {
      event.preventDefault();
      return;
    }
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (link && focusEditorOf(link.getAttribute("href").slice(1))) event.preventDefault();
  });
})();
