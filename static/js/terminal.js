// The TERMINAL workspace inside an embed (server side: playlists/views/terminal.py). The
// terminal works without it — two plain forms whose answer is the page again. This adds:
// 1. command history on Up/Down, and the log, kept per capsule in sessionStorage (and in memory when storage
//    is refused in a third-party iframe), so a reload or a step change keeps the screen; Ctrl+L (or "Clear
//    screen") clears it, in the browser only;
// 2. the input empties as a command is sent and gets the command back if it was not run; focus stays there;
// 3. htmx answers that are errors (400, 409, 429, 503) are fragments for the alert region: swapped in, not
//    dropped; a request that never got an answer shows a Retry of its own.
// _terminal.html loads this with <script src> on terminal steps only; htmx runs it again whenever it swaps a
// terminal step in, so it sets itself up once and binds everything by event delegation.
(function () {
  "use strict";

  if (window.CodeCapsuleTerminal) {
    window.CodeCapsuleTerminal.setUp(document);
    return;
  }

  var STORAGE_PREFIX = "codecapsule-terminal:";
  var HISTORY_LIMIT = 100;
  var LOG_ENTRIES_LIMIT = 100;
  var LOG_CHARS_LIMIT = 64 * 1024; // sessionStorage holds ~5 MB per origin, shared by every capsule
  var memory = {};
  var ready = new WeakSet();
  var browsing = null; // {index, draft} while Up/Down walks the history
  var pending = null; // the request in flight: {elt, action, command, hadFocus}

  // --- Storage ------------------------------------------------------------------------------------------

  function keyOf(terminal) {
    return STORAGE_PREFIX + terminal.getAttribute("data-capsule");
  }

  function load(terminal) {
    var key = keyOf(terminal);
    var raw = Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
    if (raw === null) {
      try {
        raw = window.sessionStorage.getItem(key);
      } catch (error) {
        raw = null;
      }
    }
    try {
      var saved = JSON.parse(raw || "{}");
      return { history: Array.isArray(saved.history) ? saved.history : [], log: Array.isArray(saved.log) ? saved.log : [] };
    } catch (error) {
      return { history: [], log: [] };
    }
  }

  function save(terminal, saved) {
    var raw = JSON.stringify(saved);
    memory[keyOf(terminal)] = raw;
    try {
      window.sessionStorage.setItem(keyOf(terminal), raw);
    } catch (error) {
      // Refused or full: the in-memory copy lasts as long as the page.
    }
  }

  // --- The log --------------------------------------------------------------------------------------------

  function parts(terminal) {
    return {
      log: terminal.querySelector("#term-log"),
      input: terminal.querySelector("#term-input"),
      form: terminal.querySelector("#term-form"),
      status: terminal.querySelector("#ws-status"),
    };
  }

  function entryOf(element) {
    function text(selector) {
      var found = element.querySelector(selector);
      return found ? found.textContent : "";
    }
    return { p: text(".term-echo__prompt"), c: text(".term-echo__command"), o: text(".term-output"), x: element.getAttribute("data-exit") || "" };
  }

  function element(tag, className, text) {
    var made = document.createElement(tag);
    made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  // The same markup as _terminal_entry.html, built from text only.
  function entryElement(entry) {
    var stopped = entry.x === ""; // killed by a limit: no status of its own
    var root = element("div", "term-entry" + (entry.x !== "0" ? " term-entry--failed" : ""));
    root.setAttribute("data-exit", entry.x);
    var echo = element("p", "term-echo");
    echo.appendChild(element("span", "term-echo__prompt", entry.p));
    echo.appendChild(document.createTextNode(" "));
    echo.appendChild(element("span", "term-echo__command", entry.c));
    root.appendChild(echo);
    if (entry.o) root.appendChild(element("pre", "term-output", entry.o));
    if (!stopped && entry.x !== "0") root.appendChild(element("p", "term-exit", "exit status " + entry.x));
    return root;
  }

  function rememberLog(terminal) {
    var log = parts(terminal).log;
    if (!log) return;
    var entries = Array.prototype.map.call(log.querySelectorAll(".term-entry"), entryOf).slice(-LOG_ENTRIES_LIMIT);
    var size = entries.reduce(function (sum, entry) { return sum + entry.c.length + entry.o.length; }, 0);
    while (entries.length > 1 && size > LOG_CHARS_LIMIT) {
      var dropped = entries.shift();
      size -= dropped.c.length + dropped.o.length;
    }
    var saved = load(terminal);
    saved.log = entries;
    save(terminal, saved);
  }

  function scrollToEnd(log) {
    log.scrollTop = log.scrollHeight;
  }

  function clearScreen(terminal) {
    var found = parts(terminal);
    found.log.replaceChildren();
    rememberLog(terminal);
    if (found.status) found.status.textContent = "Screen cleared.";
    found.input.focus();
  }

  // --- Setting up a terminal ----------------------------------------------------------------------------

  function setUpTerminal(terminal) {
    if (ready.has(terminal)) return;
    ready.add(terminal);
    // The log lives in the page now: the hidden copy is for posts without JavaScript only.
    terminal.querySelectorAll("[data-term-scrollback]").forEach(function (field) { field.disabled = true; });
    terminal.querySelectorAll("[data-term-js], [data-term-clear]").forEach(function (shown) { shown.hidden = false; });
    var log = parts(terminal).log;
    if (log && !log.children.length) {
      load(terminal).log.forEach(function (entry) { log.appendChild(entryElement(entry)); });
    }
    if (log) scrollToEnd(log);
  }

  function setUp(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("[data-terminal]")) setUpTerminal(root);
    root.querySelectorAll("[data-terminal]").forEach(setUpTerminal);
  }

  // --- Keys -------------------------------------------------------------------------------------------------

  function setInput(input, value) {
    input.value = value;
    input.setSelectionRange(value.length, value.length);
  }

  function walkHistory(terminal, input, step) {
    var history = load(terminal).history;
    if (!history.length) return;
    if (browsing === null) browsing = { index: history.length, draft: input.value };
    var index = Math.min(history.length, Math.max(0, browsing.index + step));
    if (index === browsing.index) return;
    browsing.index = index;
    setInput(input, index === history.length ? browsing.draft : history[index]);
  }

  document.addEventListener("keydown", function (event) {
    var terminal = event.target.closest && event.target.closest("[data-terminal]");
    if (!terminal) return;
    if (event.ctrlKey && !event.altKey && !event.metaKey && (event.key === "l" || event.key === "L")) {
      event.preventDefault();
      clearScreen(terminal);
      return;
    }
    if (event.target.id !== "term-input" || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      event.preventDefault();
      walkHistory(terminal, event.target, event.key === "ArrowUp" ? -1 : 1);
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target.id === "term-input") browsing = null;
  });

  document.addEventListener("click", function (event) {
    var clear = event.target.closest("[data-term-clear]");
    var terminal = clear && clear.closest("[data-terminal]");
    if (terminal) clearScreen(terminal);
  });

  // --- Requests -------------------------------------------------------------------------------------------

  function terminalRequest(detail) {
    var elt = detail && detail.elt;
    var terminal = elt && elt.closest && elt.closest("[data-terminal]");
    if (!terminal) return null;
    var marked = elt.closest("[data-term-action]");
    return { terminal: terminal, elt: elt, action: marked ? marked.getAttribute("data-term-action") : "check" };
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var request = terminalRequest(event.detail);
    if (!request) return;
    var input = parts(request.terminal).input;
    pending = { elt: request.elt, action: request.action, command: "", hadFocus: request.terminal.contains(document.activeElement) };
    if (request.action !== "run" || !input) return;
    // The command was read into the request already: the input is free for the next one.
    var command = input.value;
    pending.command = command;
    var saved = load(request.terminal);
    if (command.trim() && saved.history[saved.history.length - 1] !== command) {
      saved.history.push(command);
      saved.history = saved.history.slice(-HISTORY_LIMIT);
      save(request.terminal, saved);
    }
    browsing = null;
    input.value = "";
  });

  // A refusal or "unavailable" is a fragment the server aimed at the alert region (HX-Retarget).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!terminalRequest(event.detail) || !event.detail.xhr || event.detail.xhr.status < 400) return;
    if (!event.detail.serverResponse) return;
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  });

  function giveBackCommand(terminal) {
    var input = parts(terminal).input;
    if (input && pending && pending.command && !input.value) setInput(input, pending.command);
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var request = terminalRequest(event.detail);
    if (!request || !pending) return;
    var found = parts(request.terminal);
    var ok = event.detail.xhr && event.detail.xhr.status < 400 && event.detail.successful;
    if (!ok) giveBackCommand(request.terminal);
    if (ok && (request.action === "run" || request.action === "reset")) {
      if (request.action === "reset") save(request.terminal, { history: load(request.terminal).history, log: [] });
      rememberLog(request.terminal);
      scrollToEnd(found.log);
    }
    if (pending.hadFocus && (request.action !== "check" || !ok)) {
      if (request.action === "check" && request.elt.isConnected) request.elt.focus();
      else found.input.focus();
    }
    pending = null;
  });

  // No answer at all (offline, a proxy's timeout): say so in the alert region, with a Retry.
  function unreachable(event) {
    var request = terminalRequest(event.detail);
    if (!request) return;
    giveBackCommand(request.terminal);
    var region = request.terminal.querySelector(request.action === "check" ? "#term-tasks-alert" : "#term-alert");
    var message = "The terminal could not be reached — your command is kept.";
    var alert = element("div", "ws-alert");
    alert.appendChild(element("p", "", message));
    var retry = element("button", "ws-button", "Retry");
    retry.type = "button";
    alert.appendChild(retry);
    retry.addEventListener("click", function () {
      region.replaceChildren();
      if (request.elt.tagName === "FORM") request.elt.requestSubmit();
      else request.elt.click();
    });
    region.replaceChildren(alert);
    var status = parts(request.terminal).status;
    if (status) status.textContent = message + " Retry";
    pending = null;
  }

  document.addEventListener("htmx:sendError", unreachable);
  document.addEventListener("htmx:timeout", unreachable);

  // --- Start, and after every swap ---------------------------------------------------------------------

  window.CodeCapsuleTerminal = { setUp: setUp };
  setUp(document);
  if (window.htmx) window.htmx.onLoad(setUp);
  else document.addEventListener("htmx:load", function (event) { setUp(event.target); });
  document.addEventListener("htmx:historyRestore", function () { setUp(document); });
})();
