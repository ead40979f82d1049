// CodeMirror 6 entry point, bundled by scripts/build-frontend.mjs into static/vendor/codemirror.js.
// It exposes one function, window.CodeCapsuleEditor.attach(textarea), used by static/js/editors.js.
// The <textarea> stays the source of truth so forms keep working without JavaScript.
import { EditorView, basicSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { StreamLanguage } from "@codemirror/language";
import { python } from "@codemirror/lang-python";
import { javascript } from "@codemirror/lang-javascript";
import { java } from "@codemirror/lang-java";
import { go } from "@codemirror/lang-go";
import { sql, PostgreSQL, SQLite } from "@codemirror/lang-sql";
import { csharp } from "@codemirror/legacy-modes/mode/clike";
import { shell } from "@codemirror/legacy-modes/mode/shell";
import { oneDark } from "@codemirror/theme-one-dark";

const LANGUAGES = {
  python: () => python(),
  javascript: () => javascript(),
  java: () => java(),
  go: () => go(),
  csharp: () => StreamLanguage.define(csharp),
  sql: () => sql({ dialect: SQLite }),
  postgresql: () => sql({ dialect: PostgreSQL }),
  sqlite: () => sql({ dialect: SQLite }),
  bash: () => StreamLanguage.define(shell),
};

function prefersDark() {
  const theme = document.documentElement.dataset.theme;
  if (theme === "dark") return true;
  if (theme === "light") return false;
  return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
}

function attach(textarea) {
  if (textarea.dataset.editorAttached) return null;
  textarea.dataset.editorAttached = "1";
  const language = LANGUAGES[textarea.dataset.language];
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
  ];
  if (language) extensions.push(language());
  if (prefersDark()) extensions.push(oneDark);
  if (textarea.readOnly) extensions.push(EditorState.readOnly.of(true));
  const view = new EditorView({
    state: EditorState.create({ doc: textarea.value, extensions }),
  });
  textarea.after(view.dom);
  textarea.hidden = true;
  return view;
}

window.CodeCapsuleEditor = { attach };
