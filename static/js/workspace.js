// The learner's workspace inside an embed (server side: playlists/views/workspace.py). The page
// works without it — the workspace is a plain form that posts and gets the page back with results. This adds:
// 1. the learner's code kept per capsule on the server (data-draft-url: saved a moment after typing stops, before
//    every Run and Submit, and when the page goes away; the state endpoint hands it back through embed-frame.js's
//    `codecapsule:learner-state` event, and it fills an editor that still holds the starting code) and in
//    localStorage as a fast local copy (in memory when storage is refused or throws in a third-party iframe), so a
//    reload or a step change loses nothing; Reset to the starting code, confirmed;
// 2. CodeMirror 6, loaded only when a workspace is on the page (it is ~240 KB gzipped: never in the initial
//    load), upgrading the <textarea>, which stays the form field;
// 3. Ctrl/Cmd+Enter runs; hints revealed one at a time ("Show hint 1 of 3");
// 4. htmx answers that are errors (429, 503, …) are fragments meant for the results panel: they are swapped
//    in, not dropped; a request that never got an answer shows a Retry of its own.
// Everything is bound by event delegation or re-applied on htmx:load, because htmx swaps steps and restores
// history snapshots of the DOM, which keep attributes but no listeners or editors.
(function () {
  "use strict";

  var DRAFT_PREFIX = "codecapsule-code:";
  var HINTS_PREFIX = "codecapsule-hints:";
  var memory = {}; // storage key → value, for when localStorage is refused
  var ready = new WeakSet(); // workspaces and hint lists set up in this document
  var views = new WeakMap(); // textarea → CodeMirror EditorView
  var loading = {}; // script URL → [callbacks], while it loads
  var loaded = {};
  var lastAction = null; // the action button of the latest workspace request, for Retry
  var DRAFT_SAVE_DELAY = 1000; // ms of quiet typing before the draft goes to the server
  var pendingDrafts = {}; // storage key → {url, code, timer}: saves waiting for the learner to pause
  var serverDrafts = {}; // storage key → the code the server was last told, so an unchanged editor is not re-sent

  // --- Storage ------------------------------------------------------------------------------------------

  function readStored(key) {
    if (Object.prototype.hasOwnProperty.call(memory, key)) return memory[key];
    try {
      return window.localStorage.getItem(key);
    } catch (error) {
      return null;
    }
  }

  function store(key, value) {
    memory[key] = value;
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (error) {
      // Refused (third-party storage blocked) or full: the in-memory copy lasts as long as the page.
    }
  }

  // --- Drafts on the server (playlists/views/drafts.py) -------------------------------------------------------

  function learnerKey() {
    if (window.CodeCapsuleLearner) return window.CodeCapsuleLearner.key();
    return readStored("codecapsule-learner") || "";
  }

  function sendDraft(url, key, code, keepalive) {
    if (!url || !window.fetch || serverDrafts[key] === code) return;
    var headers = { "Content-Type": "application/json" };
    var learner = learnerKey();
    if (learner) headers["X-Learner-Key"] = learner;
    window
      .fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: headers,
        body: JSON.stringify({ code: code }),
        keepalive: !!keepalive && code.length < 60000, // the browser refuses keepalive bodies over 64 KB
      })
      .then(function (response) {
        if (response.ok) serverDrafts[key] = code;
      })
      .catch(function () {
        // The local copy stays; the next pause, Run or Submit tries again.
      });
  }

  function scheduleDraft(workspace, code) {
    var key = workspace.getAttribute("data-storage-key");
    var pending = pendingDrafts[key];
    if (pending) window.clearTimeout(pending.timer);
    pending = pendingDrafts[key] = { url: workspace.getAttribute("data-draft-url"), code: code };
    pending.timer = window.setTimeout(function () {
      flushDraft(key, false);
    }, DRAFT_SAVE_DELAY);
  }

  function flushDraft(key, keepalive) {
    var pending = pendingDrafts[key];
    if (!pending) return;
    window.clearTimeout(pending.timer);
    delete pendingDrafts[key];
    sendDraft(pending.url, key, pending.code, keepalive);
  }

  function saveDraftNow(workspace, code) {
    var key = workspace.getAttribute("data-storage-key");
    scheduleDraft(workspace, code);
    flushDraft(key, false);
  }

  // A reload or a closed tab within the pause still gets its last keystrokes saved.
  function flushAllDrafts() {
    Object.keys(pendingDrafts).forEach(function (key) {
      flushDraft(key, true);
    });
  }

  window.addEventListener("pagehide", flushAllDrafts);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flushAllDrafts();
  });

  function startingCode(textarea) {
    return textarea.getAttribute("data-starting-code") || "";
  }

  // A textarea drops one leading line break of its content, and a posted page's copy may carry CRLF.
  function holdsStartingCode(textarea) {
    function plain(text) {
      return text.replace(/\r\n/g, "\n").replace(/^\n/, "");
    }
    return plain(textarea.value) === plain(startingCode(textarea));
  }

  // The learner's saved code from the state endpoint: only into an editor they have not started on here.
  document.addEventListener("codecapsule:learner-state", function (event) {
    var draft = event.detail && event.detail.draft;
    if (!draft || typeof draft.code !== "string" || typeof draft.capsule_id !== "string") return;
    document.querySelectorAll("[data-workspace]").forEach(function (workspace) {
      var textarea = textareaOf(workspace);
      if (workspace.getAttribute("data-capsule") !== draft.capsule_id || !textarea) return;
      var key = workspace.getAttribute("data-storage-key");
      serverDrafts[key] = draft.code;
      if (!holdsStartingCode(textarea) || textarea.value === draft.code) return;
      setCode(textarea, draft.code);
      store(key, draft.code);
    });
  });

  // --- Scripts on demand ------------------------------------------------------------------------------------

  // Loads `url` once, however many callers ask meanwhile; each gets `callback` when it has run, or `onError` (if
  // given) when it could not be loaded, after which a later call tries again.
  function loadScript(url, callback, onError) {
    if (loaded[url]) return callback();
    var waiter = { done: callback, failed: onError || function () {} };
    if (loading[url]) return loading[url].push(waiter);
    loading[url] = [waiter];
    var script = document.createElement("script");
    script.src = url;
    script.async = true;
    script.onload = function () {
      loaded[url] = true;
      loading[url].splice(0).forEach(function (each) { each.done(); });
    };
    script.onerror = function () {
      var waiters = loading[url];
      delete loading[url]; // the plain textarea keeps working; a later step may try again
      script.remove();
      waiters.forEach(function (each) { each.failed(); });
    };
    document.head.appendChild(script);
  }

  // --- The editor -------------------------------------------------------------------------------------------

  function textareaOf(workspace) {
    return workspace.querySelector("textarea[name='code']");
  }

  // A history snapshot restores the editor's DOM without its EditorView: drop it and start again.
  function repairSnapshot(textarea) {
    if (views.has(textarea) || !textarea.dataset.editorAttached) return;
    var next = textarea.nextElementSibling;
    if (next && next.classList.contains("cm-editor")) next.remove();
    delete textarea.dataset.editorAttached;
    textarea.hidden = false;
  }

  function attachEditor(textarea) {
    if (!window.CodeCapsuleEditor || views.has(textarea) || !document.body.contains(textarea)) return;
    var view = window.CodeCapsuleEditor.attach(textarea);
    if (view) views.set(textarea, view);
  }

  function setCode(textarea, value) {
    var view = views.get(textarea);
    if (view) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
    } else {
      textarea.value = value;
    }
  }

  function focusEditor(textarea) {
    var view = views.get(textarea);
    if (view) view.focus();
    else textarea.focus();
  }

  function setUpWorkspace(workspace) {
    if (ready.has(workspace)) return;
    ready.add(workspace);
    var textarea = textareaOf(workspace);
    if (!textarea) return;
    repairSnapshot(textarea);
    var draft = readStored(workspace.getAttribute("data-storage-key"));
    if (draft !== null && draft !== textarea.value) textarea.value = draft;
    workspace.querySelectorAll("[data-ws-reset], [data-ws-shortcut]").forEach(function (element) {
      element.hidden = false;
    });
    var script = workspace.getAttribute("data-editor-script");
    if (script) loadScript(script, function () { attachEditor(textarea); });
  }

  document.addEventListener("input", function (event) {
    var textarea = event.target;
    var workspace = textarea.closest && textarea.closest("[data-workspace]");
    if (!workspace || textarea.name !== "code") return;
    store(workspace.getAttribute("data-storage-key"), textarea.value);
    scheduleDraft(workspace, textarea.value);
  });

  document.addEventListener("click", function (event) {
    var reset = event.target.closest("[data-ws-reset]");
    if (reset) {
      var workspace = reset.closest("[data-workspace]");
      var textarea = workspace && textareaOf(workspace);
      if (!textarea) return;
      if (!window.confirm("Replace your code with the starting code? Your changes will be lost.")) return;
      setCode(textarea, startingCode(textarea));
      store(workspace.getAttribute("data-storage-key"), null);
      saveDraftNow(workspace, startingCode(textarea)); // the server forgets the draft: a reload shows the start too
      focusEditor(textarea);
      return;
    }
    // The textarea hides behind its editor: its label focuses the editor.
    var label = event.target.closest("label[for]");
    var target = label && document.getElementById(label.htmlFor);
    if (target && views.has(target)) {
      event.preventDefault();
      focusEditor(target);
    }
  });

  // Ctrl/Cmd+Enter runs. Capturing, so the editor's own Mod-Enter binding never sees it.
  document.addEventListener(
    "keydown",
    function (event) {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.altKey) return;
      var form = event.target.closest && event.target.closest(".ws-form");
      var run = form && form.querySelector("#ws-actions [data-ws-action='run']");
      if (!run || run.disabled) return;
      event.preventDefault();
      event.stopPropagation();
      run.click();
    },
    true
  );

  // --- Hints, one at a time ---------------------------------------------------------------------------------

  function hintsKey(list) {
    return HINTS_PREFIX + list.getAttribute("data-hints");
  }

  function showHints(list, revealed) {
    var hints = list.querySelectorAll("details.hint");
    hints.forEach(function (hint, index) {
      hint.hidden = index >= revealed;
      if (index < revealed) hint.open = true;
    });
    var button = list.querySelector("[data-hint-next]");
    if (revealed >= hints.length) {
      if (button) button.remove();
      return;
    }
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "ws-button ws-button--quiet";
      button.setAttribute("data-hint-next", "");
      list.appendChild(button);
    }
    button.textContent = "Show hint " + (revealed + 1) + " of " + hints.length;
  }

  function setUpHints(list) {
    if (ready.has(list)) return;
    ready.add(list);
    showHints(list, parseInt(readStored(hintsKey(list)) || "0", 10) || 0);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-hint-next]");
    var list = button && button.closest("[data-hints]");
    if (!list) return;
    var revealed = list.querySelectorAll("details.hint:not([hidden])").length + 1;
    store(hintsKey(list), String(revealed));
    showHints(list, revealed);
    var shown = list.querySelectorAll("details.hint")[revealed - 1];
    if (shown) shown.querySelector("summary").focus();
  });

  // --- htmx: errors are results too ---------------------------------------------------------------------------

  function isWorkspaceRequest(detail) {
    return !!(detail && detail.elt && detail.elt.closest && detail.elt.closest(".ws-form"));
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!isWorkspaceRequest(event.detail)) return;
    var action = event.detail.elt.getAttribute("data-ws-action");
    if (action) lastAction = action;
    // Run and Submit save the code they send, so a reload right after still finds it.
    var workspace = event.detail.elt.closest("[data-workspace]");
    var textarea = workspace && textareaOf(workspace);
    if (action && textarea) saveDraftNow(workspace, textarea.value);
  });

  // A refusal (400, 404, 409, 429) or "grading unavailable" (503) is a fragment written for the results panel.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!isWorkspaceRequest(event.detail) || !event.detail.xhr || event.detail.xhr.status < 400) return;
    if (!event.detail.serverResponse) return;
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  });

  // No answer at all (offline, a proxy's timeout): say so where the results go, and offer the same Retry.
  function unreachable(event) {
    if (!isWorkspaceRequest(event.detail)) return;
    var form = event.detail.elt.closest(".ws-form");
    var results = form.querySelector("#ws-results");
    var status = form.querySelector("#ws-status");
    var message = "Grading could not be reached — your code is kept.";
    var alert = document.createElement("div");
    alert.className = "ws-alert ws-alert--warning";
    alert.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent = message;
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "ws-button";
    retry.textContent = "Retry";
    retry.setAttribute("data-ws-retry", lastAction || "run");
    alert.appendChild(text);
    alert.appendChild(retry);
    results.replaceChildren(alert);
    if (status) status.textContent = message + " Retry";
  }

  document.addEventListener("htmx:sendError", unreachable);
  document.addEventListener("htmx:timeout", unreachable);

  document.addEventListener("click", function (event) {
    var retry = event.target.closest("[data-ws-retry]");
    var form = retry && retry.closest(".ws-form");
    if (!form) return;
    var action = form.querySelector("#ws-actions [data-ws-action='" + retry.getAttribute("data-ws-retry") + "']");
    if (action) action.click();
  });

  // --- Start, and after every swap ---------------------------------------------------------------------------

  function setUp(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("[data-workspace]")) setUpWorkspace(root);
    root.querySelectorAll("[data-workspace]").forEach(setUpWorkspace);
    if (root.matches && root.matches("[data-hints]")) setUpHints(root);
    root.querySelectorAll("[data-hints]").forEach(setUpHints);
  }

  setUp(document);
  if (window.htmx) window.htmx.onLoad(setUp);
  document.addEventListener("htmx:historyRestore", function () {
    setUp(document);
  });

  // For other workspaces (the terminal's) that load their own script on demand, and for workspace-run.js, whose
  // Run in the browser saves the code as a Run posted to the server does.
  window.CodeCapsuleWorkspace = {
    loadScript: loadScript,
    saveDraft: function (workspace) {
      var textarea = textareaOf(workspace);
      if (textarea) saveDraftNow(workspace, textarea.value);
    },
  };
})();
