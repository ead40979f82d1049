// Builds the npm front-end packages into static/vendor/ (git-ignored).
// htmx and SortableJS ship ready-made browser files: we copy them.
// CodeMirror 6 is a set of ES modules, bundled by esbuild in two parts so that a page downloads only the
// languages it shows:
//   static/vendor/codemirror.js              the core (static/src/codemirror-entry.js): the editor, its
//                                            commands and themes, as a classic script, because its callers
//                                            need window.CodeCapsuleEditor.attach as soon as it has run;
//   static/vendor/codemirror-languages/      one ES module per language (static/src/languages/*.js), which
//                                            the core import()s on first use; code that several languages
//                                            share (e.g. the Lezer LR parser) goes to shared-*.js chunks.
// The language modules take the packages in SHARED from the core at run time instead of bundling their own
// copies. Their file names carry esbuild's content hash and the core refers to them relative to its own URL,
// so collectstatic's manifest (which renames only what the templates name) has nothing to rewrite in them.
// Prints the size of each file, raw and gzipped, and what one language costs on top of the core.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { gzipSync } from "node:zlib";

const out = "static/vendor";
const languagesSrc = "static/src/languages";
const languagesOut = `${out}/codemirror-languages`;

// Packages both the core and the language modules use: one instance, the core's. The build fails below when
// a language module would bundle a package that the core also has (add it here).
const SHARED = [
  "@codemirror/state",
  "@codemirror/view",
  "@codemirror/language",
  "@codemirror/autocomplete",
  "@codemirror/lint",
  "@lezer/common",
  "@lezer/highlight",
];

const common = {
  bundle: true,
  minify: true,
  target: ["es2020"],
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
};

// Which names of the SHARED packages the language modules import: a first build leaves those packages out and
// its import statements list them. The core then exports just these (the rest of each package stays
// tree-shaken), and a name missed here fails the second build ("No matching export").
async function sharedNamesUsed(entryPoints) {
  const probe = await build({
    ...common,
    entryPoints,
    format: "esm",
    splitting: true,
    outdir: languagesOut,
    external: SHARED,
    minify: false,
    metafile: false,
    write: false,
  });
  const used = Object.fromEntries(SHARED.map((name) => [name, new Set()]));
  for (const file of probe.outputFiles) {
    for (const [, clause, source] of file.text.matchAll(/^import\s*([^;]*?)\s*from\s*"([^"]+)";/gm)) {
      if (!(source in used)) continue;
      const named = /^\{([^}]*)\}$/.exec(clause);
      if (!named) throw new Error(`${file.path}: \`import ${clause} from "${source}"\`: only named imports are shared`);
      for (const binding of named[1].split(",")) {
        const name = binding.trim().split(/\s+as\s+/)[0];
        if (name) used[source].add(name);
      }
    }
  }
  return Object.fromEntries(Object.entries(used).map(([source, names]) => [source, [...names].sort()]));
}

// Language modules: import { X } from "@codemirror/state" → the core's X, found on window.CodeCapsuleEditor.
function fromCore(names) {
  return {
    name: "from-core",
    setup(builder) {
      const filter = new RegExp(`^(${SHARED.map((name) => name.replace(/[/.]/g, "\\$&")).join("|")})$`);
      builder.onResolve({ filter }, (args) => ({ path: args.path, namespace: "core" }));
      builder.onLoad({ filter: /.*/, namespace: "core" }, (args) => ({
        contents: [
          `const core = window.CodeCapsuleEditor.modules[${JSON.stringify(args.path)}];`,
          ...names[args.path].map((name) => `export const ${name} = core.${name};`),
        ].join("\n"),
        loader: "js",
      }));
    },
  };
}

// The core's build-time inputs: what it shares with the language modules, and their file names.
function virtualModules(modules) {
  return {
    name: "virtual-modules",
    setup(builder) {
      builder.onResolve({ filter: /^codecapsule:/ }, (args) => ({ path: args.path, namespace: "virtual" }));
      builder.onLoad({ filter: /.*/, namespace: "virtual" }, (args) => ({
        contents: modules[args.path],
        loader: "js",
        resolveDir: process.cwd(),
      }));
    },
  };
}

function packageOf(input) {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match && match[1];
}

function packagesIn(metafile) {
  return new Set(Object.keys(metafile.inputs).map(packageOf).filter(Boolean));
}

mkdirSync(out, { recursive: true });
copyFileSync("node_modules/htmx.org/dist/htmx.min.js", `${out}/htmx.min.js`);
copyFileSync("node_modules/sortablejs/Sortable.min.js", `${out}/Sortable.min.js`);

// Hashed names change with every content change: start empty so old ones do not pile up.
rmSync(languagesOut, { recursive: true, force: true });
const languageEntries = readdirSync(languagesSrc)
  .filter((name) => name.endsWith(".js"))
  .map((name) => `${languagesSrc}/${name}`);
const sharedNames = await sharedNamesUsed(languageEntries);
const languages = await build({
  ...common,
  entryPoints: languageEntries,
  format: "esm",
  splitting: true,
  outdir: languagesOut,
  entryNames: "[name]-[hash]",
  chunkNames: "shared-[hash]",
  plugins: [fromCore(sharedNames)],
});

const languageFiles = {}; // module name → its file in languagesOut
for (const [file, output] of Object.entries(languages.metafile.outputs)) {
  if (output.entryPoint) languageFiles[basename(output.entryPoint, ".js")] = basename(file);
}

const sharedModules = [
  ...SHARED.map(
    (source, index) =>
      `import { ${sharedNames[source].map((name) => `${name} as m${index}_${name}`).join(", ")} } from ${JSON.stringify(source)};`
  ),
  "export default {",
  ...SHARED.map(
    (source, index) =>
      `  ${JSON.stringify(source)}: { ${sharedNames[source].map((name) => `${name}: m${index}_${name}`).join(", ")} },`
  ),
  "};",
].join("\n");

const core = await build({
  ...common,
  entryPoints: ["static/src/codemirror-entry.js"],
  format: "iife",
  outfile: `${out}/codemirror.js`,
  plugins: [
    virtualModules({
      "codecapsule:shared-modules": sharedModules,
      "codecapsule:language-files": `export default ${JSON.stringify(languageFiles)};`,
    }),
  ],
});

const corePackages = packagesIn(core.metafile);
const duplicated = [...packagesIn(languages.metafile)].filter((name) => corePackages.has(name));
if (duplicated.length) {
  throw new Error(`language modules bundle their own copy of ${duplicated.join(", ")}: add it to SHARED`);
}

// --- Sizes ------------------------------------------------------------------------------------------------

function sizes(file) {
  const body = readFileSync(file);
  return { raw: body.length, gzip: gzipSync(body, { level: 6 }).length };
}

const kb = (bytes) => (bytes / 1024).toFixed(1).padStart(7);
const row = (name, size) => console.log(`${name.padEnd(52)} ${kb(size.raw)} ${kb(size.gzip)}`);

console.log(`${"file".padEnd(52)} ${"raw KB".padStart(7)} ${"gzip KB".padStart(7)}`);
const coreSize = sizes(`${out}/codemirror.js`);
row(`${out}/codemirror.js`, coreSize);
for (const file of Object.keys(languages.metafile.outputs).sort()) row(file, sizes(file));

// A language's cost: its module and every shared chunk it imports, directly or not.
function closure(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const imported of languages.metafile.outputs[file].imports) {
    if (imported.kind === "import-statement") closure(imported.path, seen);
  }
  return seen;
}

console.log("\neditor with one language = core + the language's module and shared chunks:");
for (const [module, file] of Object.entries(languageFiles).sort()) {
  const total = { raw: coreSize.raw, gzip: coreSize.gzip };
  for (const part of closure(`${languagesOut}/${file}`)) {
    const size = sizes(part);
    total.raw += size.raw;
    total.gzip += size.gzip;
  }
  row(`  ${module}`, total);
}
console.log(`front-end built into ${out}/`);

// --- Run in the browser: the engines and their workers -----------------------------------------------------
// Separate from the editor above. static/vendor/engines/ gets what loading each engine's core needs, copied from
// node_modules as the packages ship it (no Python packages: the judge runs the standard library only), each in a
// directory named after its package's version (pyodide-0.25.1/, sqljs-1.17.0/): a URL there names one build for good,
// so the server lets browsers cache those files for a year (codecapsule/settings.py, WHITENOISE_IMMUTABLE_FILE_TEST).
// engines.json maps each engine to its directory, for node-run.mjs and the judge; the workers get it at build time.
//   pyodide/  pyodide.js (the classic script the Python worker importScripts()), pyodide.mjs (ES module, for
//             node-run.mjs and anyone importing it), pyodide.asm.js/.wasm, python_stdlib.zip, pyodide-lock.json;
//   sqljs/    sql-wasm.js and sql-wasm.wasm.
// Their "//# sourceMappingURL=" lines are dropped: the maps are not copied, and collectstatic's manifest storage
// fails on a JavaScript file that names a map it cannot find.
// static/vendor/runners/ gets the entry points of static/src/runners/ (browser-run.js and the *-worker.js files;
// the other modules there are what they import, and node-run.mjs runs from source), each bundled by esbuild into a
// classic script: browser-run.js defines window.CodeCapsuleBrowserRun, the workers are classic Workers (importScripts
// loads the engines). No content hash in their names: browser-run.js finds the workers relative to its own URL
// (document.currentScript, so a collectstatic-hashed browser-run.js still finds them, collectstatic keeps the
// unhashed copies), and each worker finds the engines at ../engines/ relative to its own URL. Only browser-run.js is
// named by a template, through the static tag.
const enginesOut = `${out}/engines`;
const runnersSrc = "static/src/runners";
const runnersOut = `${out}/runners`;
const ENGINE_FILES = {
  pyodide: {
    from: "node_modules/pyodide",
    files: ["pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"],
  },
  sqljs: { from: "node_modules/sql.js/dist", files: ["sql-wasm.js", "sql-wasm.wasm"] },
};

const enginePackage = { pyodide: "node_modules/pyodide/package.json", sqljs: "node_modules/sql.js/package.json" };
const engineDirs = Object.fromEntries(
  Object.keys(ENGINE_FILES).map((engine) => [engine, `${engine}-${JSON.parse(readFileSync(enginePackage[engine], "utf8")).version}`])
);
rmSync(enginesOut, { recursive: true, force: true });
for (const [engine, { from, files }] of Object.entries(ENGINE_FILES)) {
  mkdirSync(`${enginesOut}/${engineDirs[engine]}`, { recursive: true });
  for (const file of files) {
    const target = `${enginesOut}/${engineDirs[engine]}/${file}`;
    if (/\.m?js$/.test(file)) {
      const text = readFileSync(`${from}/${file}`, "utf8").replace(/^\/\/# sourceMappingURL=.*$/gm, "");
      writeFileSync(target, text);
    } else {
      copyFileSync(`${from}/${file}`, target);
    }
  }
}

writeFileSync(`${enginesOut}/engines.json`, JSON.stringify(engineDirs, null, 2) + "\n");

rmSync(runnersOut, { recursive: true, force: true });
const runnerEntries = readdirSync(runnersSrc)
  .filter((name) => name === "browser-run.js" || name.endsWith("-worker.js"))
  .map((name) => `${runnersSrc}/${name}`);
const runners = await build({
  ...common,
  entryPoints: runnerEntries,
  format: "iife",
  outdir: runnersOut,
  define: { __ENGINE_DIRS__: JSON.stringify(engineDirs) },
});

console.log(`\n${"browser engines".padEnd(52)} ${"raw KB".padStart(7)} ${"gzip KB".padStart(7)}`);
for (const file of Object.keys(runners.metafile.outputs).sort()) row(file, sizes(file));
for (const [engine, { files }] of Object.entries(ENGINE_FILES)) {
  const total = { raw: 0, gzip: 0 };
  for (const file of files) {
    if (engine === "pyodide" && file === "pyodide.mjs") continue; // the browser loads pyodide.js, not both
    const size = sizes(`${enginesOut}/${engineDirs[engine]}/${file}`);
    row(`${enginesOut}/${engineDirs[engine]}/${file}`, size);
    total.raw += size.raw;
    total.gzip += size.gzip;
  }
  const worker = sizes(`${runnersOut}/${engine === "pyodide" ? "python" : "sqlite"}-worker.js`);
  row(`  ${engine === "pyodide" ? "Python" : "SQLite"}: first Run downloads (engine + worker)`, {
    raw: total.raw + worker.raw,
    gzip: total.gzip + worker.gzip,
  });
}
console.log(`browser engines built into ${enginesOut}/ and ${runnersOut}/`);
