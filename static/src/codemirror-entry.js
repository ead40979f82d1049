// CodeMirror 6 core, bundled by scripts/build-frontend.mjs into static/vendor/codemirror.js, a classic script.
// It exposes window.CodeCapsuleEditor.attach(textarea), used by static/js/editors.js and static/js/workspace.js.
// The <textarea> stays the source of truth so forms keep working without JavaScript.
//
// Languages are not in this file: each is an ES module of its own (static/src/languages/<module>.js, built into
// static/vendor/codemirror-languages/), imported the first time an editor needs it, so a page downloads only
// the modes it shows. attach() still returns its EditorView at once — the callers use it straight away — and
// the highlighting arrives a moment later through a compartment. The language modules import CodeMirror's
// own packages from this bundle (CodeCapsuleEditor.modules): a second copy of @codemirror/state would make
// their extensions unrecognisable to our editors.
import { EditorView, basicSetup } from "codemirror";
import { Compartment, EditorState } from "@codemirror/state";
import { oneDark } from "@codemirror/theme-one-dark";
import sharedModules from "codecapsule:shared-modules";
import languageFiles from "codecapsule:language-files";

// data-language → the module in static/src/languages/ that highlights it (its default export takes the name).
const LANGUAGE_MODULES = {
  python: "python",
  javascript: "javascript",
  java: "java",
  go: "go",
  csharp: "csharp",
  sql: "sql",
  postgresql: "sql",
  sqlite: "sql",
  bash: "bash",
};

// Language files sit next to this script: resolve them against its own URL (collectstatic's hashed name or
// not). currentScript is only set while the script first runs.
const scriptUrl = document.currentScript && document.currentScript.src;
const modulesLoaded = {}; // module name → its default export
const modulesLoading = {}; // module name → promise of it

function loadModule(module) {
  if (!modulesLoading[module]) {
    const file = `codemirror-languages/${languageFiles[module]}`;
    // Any failure, even a URL that does not parse, rejects the promise instead of throwing out of attach().
    modulesLoading[module] = new Promise((resolve) => resolve(new URL(file, scriptUrl).href))
      .then((url) => import(url))
      .then(
        (loaded) => (modulesLoaded[module] = loaded.default),
        (error) => {
          delete modulesLoading[module]; // the editor stays plain text; a later editor may try again
          throw error;
        }
      );
  }
  return modulesLoading[module];
}

function prefersDark() {
  const theme = document.documentElement.dataset.theme;
  if (theme === "dark") return true;
  if (theme === "light") return false;
  return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
}

function attach(textarea) {
  if (textarea.dataset.editorAttached) return null;
  textarea.dataset.editorAttached = "1";
  const name = textarea.dataset.language;
  const module = Object.prototype.hasOwnProperty.call(LANGUAGE_MODULES, name) ? LANGUAGE_MODULES[name] : null;
  const language = new Compartment();
  const extensions = [
    basicSetup,
    EditorView.lineWrapping,
    EditorView.updateListener.of((update) => {
      if (update.docChanged) {
        textarea.value = update.state.doc.toString();
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }),
    EditorView.contentAttributes.of({ "aria-label": textarea.getAttribute("aria-label") || textarea.name }),
    // A module already loaded (another editor, or this one before a rebuild) applies at once.
    language.of(module && modulesLoaded[module] ? modulesLoaded[module](name) : []),
  ];
  if (prefersDark()) extensions.push(oneDark);
  if (textarea.readOnly) extensions.push(EditorState.readOnly.of(true));
  const view = new EditorView({
    state: EditorState.create({ doc: textarea.value, extensions }),
  });
  textarea.after(view.dom);
  textarea.hidden = true;
  if (module && !modulesLoaded[module]) {
    // Dispatching to a view destroyed meanwhile (a language switch, a theme change) does nothing.
    loadModule(module).then(
      (support) => view.dispatch({ effects: language.reconfigure(support(name)) }),
      (error) => console.error(`CodeMirror: no highlighting for ${name}:`, error)
    );
  }
  return view;
}

// Loaded twice, keep the first: the language modules already imported are bound to its packages.
window.CodeCapsuleEditor = window.CodeCapsuleEditor || { attach, modules: sharedModules };
