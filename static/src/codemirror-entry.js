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
import { ViewPlugin, keymap, showPanel } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { oneDark } from "@codemirror/theme-one-dark";
import sharedModules from "codecapsule:shared-modules";
import languageFiles from "codecapsule:language-files";

// data-language names the module in static/src/languages/ that highlights it (its default export takes the name):
// a language's code, or an SQL dialect, which the sql module serves.
const SQL_DIALECTS = ["sqlite", "postgresql"];

function moduleFor(name) {
  if (SQL_DIALECTS.includes(name)) return "sql";
  return Object.prototype.hasOwnProperty.call(languageFiles, name) ? name : null;
}

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

// The editor's colours follow the system theme while it is open: where no theme is pinned (the embed's
// ?theme=auto, the site without a choice on the toggle), a switch to dark mode at sunset recolours the page
// through CSS, and the open editors with it. Each live editor is in `liveViews` while it exists.
const liveViews = new Set();
const themes = new WeakMap(); // view → its theme compartment

function themeFor() {
  return prefersDark() ? oneDark : [];
}

const followTheme = ViewPlugin.define((view) => {
  liveViews.add(view);
  return { destroy: () => liveViews.delete(view) };
});

if (window.matchMedia) {
  const query = window.matchMedia("(prefers-color-scheme: dark)");
  if (query.addEventListener) {
    query.addEventListener("change", () => {
      liveViews.forEach((view) => {
        const theme = themes.get(view);
        if (theme) view.dispatch({ effects: theme.reconfigure(themeFor()) });
      });
    });
  }
}

// Tab indents, as in any code editor. Keyboard users are not trapped: Escape then Tab (within two seconds)
// moves focus on, CodeMirror's own tab-focus behaviour. The hint under the editor says so, and the editable
// area names it as its description so a screen reader announces it on entry. The hint is a bottom panel of
// the editor, so it lives and goes with the editor's own DOM (a rebuild, a history snapshot's repair).
const TAB_HINT = "Tab indents. To leave the editor, press Esc then Tab.";
let hintCount = 0;

function tabHint(textarea) {
  const id = `${textarea.id || "editor"}-tab-hint-${++hintCount}`;
  const panel = () => {
    const dom = document.createElement("p");
    dom.className = "cm-tab-hint";
    dom.id = id;
    dom.textContent = TAB_HINT;
    return { dom, top: false };
  };
  return { id, extension: showPanel.of(panel) };
}

function attach(textarea) {
  if (textarea.dataset.editorAttached) return null;
  textarea.dataset.editorAttached = "1";
  const name = textarea.dataset.language;
  const module = moduleFor(name);
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
    // A module already loaded (another editor, or this one before a rebuild) applies at once.
    language.of(module && modulesLoaded[module] ? modulesLoaded[module](name) : []),
  ];
  const contentAttributes = { "aria-label": textarea.getAttribute("aria-label") || textarea.name };
  // A read-only editor leaves Tab alone (indenting it would do nothing), so it needs no way out either.
  const hint = textarea.readOnly ? null : tabHint(textarea);
  if (hint) {
    extensions.push(keymap.of([indentWithTab]), hint.extension);
    // After the field's own descriptions (its help text, its errors, the workspace's keys), which the hidden
    // textarea can no longer give.
    contentAttributes["aria-describedby"] = [textarea.getAttribute("aria-describedby"), hint.id].filter(Boolean).join(" ");
  }
  extensions.push(EditorView.contentAttributes.of(contentAttributes));
  const theme = new Compartment();
  extensions.push(theme.of(themeFor()), followTheme);
  if (textarea.readOnly) extensions.push(EditorState.readOnly.of(true));
  const view = new EditorView({
    state: EditorState.create({ doc: textarea.value, extensions }),
  });
  themes.set(view, theme);
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
