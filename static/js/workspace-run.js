// Run in the learner's browser, for a capsule of a browser tier (capsules/schemas.py: wasm-python,
// browser-javascript, wasm-sqlite). The workspace names its engine (data-browser-engine) and the script that runs it
// (data-browser-run-script: static/vendor/runners/browser-run.js, built from static/src/runners/); the visible tests
// and limits are in #ws-browser-job. A press of Run, which htmx would post to the server judge, is answered here
// instead: the engine loads on the first Run (never before), runs the visible tests with the server judge's
// conventions, and the results are drawn as the server draws them (_results.html#code and #database: same
// markup, same messages). Submit always posts to the server, which grades.
//
// Fallback: no Web Workers or WebAssembly, an engine that fails to load, or a seed that cannot be fetched — the
// Run goes to the server as it would without this script, and its results say the server ran it. Either way the
// results say which ran it.
(function () {
  "use strict";

  var MARKS = { " ": "·", "\t": "→", "\r": "␍", "\n": "↵" };
  var seeds = {}; // seed URL → promise of its SQL

  function browserWorkspace(element) {
    var workspace = element && element.closest && element.closest("[data-workspace][data-browser-engine]");
    return workspace && workspace.querySelector("#ws-browser-job") ? workspace : null;
  }

  function jobOf(workspace) {
    return JSON.parse(workspace.querySelector("#ws-browser-job").textContent);
  }

  // --- Loading the engine's manager --------------------------------------------------------------------------

  var manager = null; // promise of window.CodeCapsuleBrowserRun

  function loadManager(url) {
    if (!manager) {
      manager = new Promise(function (resolve, reject) {
        if (window.CodeCapsuleBrowserRun) return resolve(window.CodeCapsuleBrowserRun);
        var workspace = window.CodeCapsuleWorkspace; // workspace.js's loader: one script tag per URL, whoever asks
        if (!workspace) return reject(new Error("the workspace script is not loaded"));
        workspace.loadScript(
          url,
          function () {
            if (window.CodeCapsuleBrowserRun) resolve(window.CodeCapsuleBrowserRun);
            else reject(new Error("the browser runner did not start"));
          },
          function () {
            reject(new Error("the browser runner could not be loaded"));
          }
        );
      });
      manager.catch(function () {
        manager = null; // a later Run may try again
      });
    }
    return manager;
  }

  function seedOf(url) {
    if (!seeds[url]) {
      seeds[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("the exercise's data could not be fetched (" + response.status + ")");
        return response.text();
      });
      seeds[url].catch(function () {
        delete seeds[url];
      });
    }
    return seeds[url];
  }

  // --- Drawing results as _results.html draws them --------------------------------------------------------------

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function marked(text) {
    var pre = element("pre", "ws-pre");
    pre.setAttribute("aria-hidden", "true");
    for (var i = 0; i < text.length; i++) {
      var char = text[i];
      if (Object.prototype.hasOwnProperty.call(MARKS, char)) {
        pre.appendChild(element("span", "ws-mark", MARKS[char]));
        if (char === "\n") pre.appendChild(document.createTextNode("\n"));
      } else {
        pre.appendChild(document.createTextNode(char));
      }
    }
    return pre;
  }

  function output(text) {
    var dd = document.createElement("dd");
    if (!text) {
      dd.appendChild(element("span", "muted", "(no output)"));
      return dd;
    }
    dd.appendChild(marked(text));
    dd.appendChild(element("pre", "visually-hidden", text));
    return dd;
  }

  function row(list, term, dd) {
    var div = document.createElement("div");
    div.appendChild(element("dt", null, term));
    div.appendChild(dd);
    list.appendChild(div);
  }

  function summary(passed, message, ranOn) {
    var box = element("div", "ws-summary" + (passed === true ? " ws-summary--passed" : passed === false ? " ws-summary--failed" : ""));
    var line = element("p", "ws-summary__message");
    if (passed === true || passed === false) {
      var mark = element("span", null, passed ? "✓ " : "✗ ");
      mark.setAttribute("aria-hidden", "true");
      line.appendChild(mark);
    }
    line.appendChild(document.createTextNode(message));
    box.appendChild(line);
    box.appendChild(element("p", "ws-ran-on small muted", ranOn));
    return box;
  }

  // judges/grading.py _code_message, for a Run.
  function codeMessage(passed, total, hidden) {
    var text = passed < total ? passed + " of " + total + " example tests pass." : "All " + total + " example tests pass.";
    if (hidden) text += " Submit runs them with " + hidden + " hidden test" + (hidden !== 1 ? "s" : "") + ".";
    return text;
  }

  function legend() {
    var p = element("p", "ws-legend small muted");
    p.setAttribute("aria-hidden", "true");
    p.appendChild(document.createTextNode("In outputs "));
    p.appendChild(element("span", "ws-mark", "·"));
    p.appendChild(document.createTextNode(" is a space, "));
    p.appendChild(element("span", "ws-mark", "→"));
    p.appendChild(document.createTextNode(" a tab, "));
    p.appendChild(element("span", "ws-mark", "↵"));
    p.appendChild(document.createTextNode(" a line end."));
    return p;
  }

  function testItem(test, result, labels) {
    var passed = result.verdict === "AC";
    var item = element("li", "ws-test ws-test--" + (passed ? "passed" : "failed"));
    var head = element("p", "ws-test__head");
    var mark = element("span", "ws-test__mark", passed ? "✓" : "✗");
    mark.setAttribute("aria-hidden", "true");
    head.appendChild(mark);
    head.appendChild(document.createTextNode(" Test " + (test.index + 1) + (test.description ? ": " + test.description : "") + " — "));
    var verdict = element("strong", "ws-verdict", labels[result.verdict] || result.verdict);
    verdict.setAttribute("data-verdict", result.verdict);
    head.appendChild(verdict);
    if (!passed && result.verdict !== "NR" && test.failure_message) {
      head.appendChild(document.createTextNode(". "));
      head.appendChild(element("span", "ws-test__hint", "Hint from the author: " + test.failure_message));
    }
    item.appendChild(head);
    var io = element("dl", "ws-io");
    var call = document.createElement("dd");
    call.appendChild(element("pre", "ws-pre", test.test_call));
    row(io, "Call", call);
    row(io, "Expected output", output(test.expected_output || ""));
    row(io, "Your output", output(result.stdout || ""));
    if (result.message) row(io, "What happened", element("dd", null, result.message));
    if (result.stderr) {
      var errors = document.createElement("dd");
      errors.appendChild(element("pre", "ws-pre ws-pre--error", result.stderr));
      row(io, "Error output", errors);
    }
    item.appendChild(io);
    return item;
  }

  function drawCode(job, result, ranOn) {
    var parts = [];
    if (result.compile_error !== null && result.compile_error !== undefined) {
      var message = "Your code does not compile, so it was not graded.";
      parts.push(summary(false, message, ranOn), element("pre", "ws-pre ws-pre--error", result.compile_error));
      return { parts: parts, message: message };
    }
    var tests = job.tests;
    if (!tests.length) {
      message = "This exercise has no example tests to run; Submit checks your code.";
      return { parts: [summary(false, message, ranOn)], message: message };
    }
    var passedCount = result.tests.filter(function (test) { return test.verdict === "AC"; }).length;
    message = codeMessage(passedCount, tests.length, job.hidden_tests || 0);
    parts.push(summary(passedCount === tests.length, message, ranOn), legend());
    var list = element("ol", "ws-tests");
    tests.forEach(function (test, position) {
      list.appendChild(testItem(test, result.tests[position], job.verdict_labels));
    });
    parts.push(list);
    return { parts: parts, message: message };
  }

  function cell(value) {
    var td = element("td", value === null ? "ws-null" : null, value === null ? "NULL" : String(value));
    return td;
  }

  function drawDatabase(result, ranOn) {
    var shown = result.result;
    if (shown.verdict !== "AC") {
      var failed = "Your query fails: " + shown.error;
      return { parts: [summary(null, failed, ranOn)], message: failed };
    }
    var count = shown.row_count;
    var message = "Your query returns " + count + " row" + (count !== 1 ? "s" : "") + ". Submit to check it.";
    var parts = [summary(null, message, ranOn)];
    var truncated = shown.truncated || count > shown.rows.length;
    parts.push(element("p", "ws-grid-count small muted",
      truncated ? "Showing " + shown.rows.length + " of " + count + " rows." : count + " row" + (count !== 1 ? "s" : "") + "."));
    if (shown.columns.length) {
      var wrap = element("div", "table-wrap ws-grid-wrap");
      var table = element("table", "table ws-grid");
      table.appendChild(element("caption", "visually-hidden", "Your query's result"));
      var headRow = document.createElement("tr");
      shown.columns.forEach(function (column) {
        var th = element("th", "mono", column);
        th.scope = "col";
        headRow.appendChild(th);
      });
      table.appendChild(document.createElement("thead")).appendChild(headRow);
      var body = table.appendChild(document.createElement("tbody"));
      shown.rows.forEach(function (values) {
        var tr = document.createElement("tr");
        values.forEach(function (value) { tr.appendChild(cell(value)); });
        body.appendChild(tr);
      });
      wrap.appendChild(table);
      parts.push(wrap);
    }
    return { parts: parts, message: message };
  }

  // --- A Run ------------------------------------------------------------------------------------------------

  function busy(workspace, on) {
    workspace.classList.toggle("htmx-request", on);
    var actions = workspace.querySelector("#ws-actions");
    if (actions) actions.disabled = on;
  }

  function showProgress(results, text) {
    var line = results.querySelector(".ws-engine-progress");
    if (!line) {
      line = element("p", "ws-engine-progress small muted");
      line.setAttribute("role", "status");
      results.replaceChildren(line);
    }
    line.textContent = text;
  }

  function runInBrowser(workspace) {
    var job = jobOf(workspace);
    var textarea = workspace.querySelector("textarea[name='code']");
    var code = textarea ? textarea.value : "";
    var results = workspace.querySelector("#ws-results");
    var engine = workspace.getAttribute("data-browser-engine");
    var seedUrl = workspace.getAttribute("data-seed-url");
    return loadManager(workspace.getAttribute("data-browser-run-script"))
      .then(function (runner) {
        if (!runner.supported(engine)) throw new Error("this browser cannot run it");
        return Promise.all([runner, engine === "sqlite" ? seedOf(seedUrl) : null]);
      })
      .then(function (loaded) {
        var runner = loaded[0];
        var request = {
          engine: engine,
          source: code,
          query: code,
          seedSql: loaded[1],
          tests: job.tests || [],
          limits: job.limits,
          onProgress: function (fraction, text) {
            showProgress(results, (text || "Loading") + (fraction < 1 ? " " + Math.round(fraction * 100) + "%" : ""));
          },
        };
        return runner.run(request);
      })
      .then(function (result) {
        var ranOn = "Ran in your browser" + (result.engine_version ? " (" + result.engine_version + ")" : "") + ".";
        var drawn = engine === "sqlite" ? drawDatabase(result, ranOn) : drawCode(job, result, ranOn);
        results.replaceChildren.apply(results, drawn.parts);
        var status = workspace.querySelector("#ws-status");
        if (status) status.textContent = drawn.message;
      });
  }

  // htmx asks before it sends (htmx:confirm): a Run of a browser-tier workspace is held and answered here; on any
  // failure to run in the browser, the held request goes to the server after all.
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || elt.getAttribute("data-ws-action") !== "run") return;
    var workspace = browserWorkspace(elt);
    if (!workspace) return;
    event.preventDefault();
    if (window.CodeCapsuleWorkspace && window.CodeCapsuleWorkspace.saveDraft) window.CodeCapsuleWorkspace.saveDraft(workspace);
    busy(workspace, true);
    runInBrowser(workspace).then(
      function () {
        busy(workspace, false);
      },
      function (error) {
        busy(workspace, false);
        if (window.console) console.warn("Run in the browser failed; the server runs it:", error);
        event.detail.issueRequest(true);
      }
    );
  });
})();
