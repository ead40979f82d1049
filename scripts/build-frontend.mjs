// Builds the npm front-end packages into static/vendor/ (git-ignored).
// htmx and SortableJS ship ready-made browser files: we copy them.
// CodeMirror 6 is a set of ES modules: esbuild bundles our small entry point into one IIFE.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";

const out = "static/vendor";
mkdirSync(out, { recursive: true });
copyFileSync("node_modules/htmx.org/dist/htmx.min.js", `${out}/htmx.min.js`);
copyFileSync("node_modules/sortablejs/Sortable.min.js", `${out}/Sortable.min.js`);

await build({
  entryPoints: ["static/src/codemirror-entry.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outfile: `${out}/codemirror.js`,
  legalComments: "none",
});
console.log(`front-end built into ${out}/`);
