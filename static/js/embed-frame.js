// Runs inside the embed iframe (/embed/...). The page works without it; this adds:
// 1. the learner's own part of the page. The page is the same for every learner (browsers and shared caches keep
//    it), so once it is up this asks its data-state-url (playlists/views/embed.py) for the learner's state: their
//    signed key, where they left off, the steps they completed, a terminal step's saved directory and an editor
//    step's saved code (handed to workspace.js as a `codecapsule:learner-state` event). It marks
//    the completed steps in the dots, the jump menu and the footer (again after every step swap, from memory), and
//    resumes where the learner left off when the URL names no step;
// 2. the learner key kept in localStorage and sent as X-Learner-Key (cookies are often refused in a third-party
//    iframe). The server signs the keys it issues and says which one to keep: in the state's `learner_key` and in
//    an X-Learner-Key response header (a new learner's, or the signed form of a key from before keys were signed);
// 3. after each htmx step swap: focus on the new step's heading, the document title, a `viewed` event;
// 4. messages to the host page (static/js/embed.js): hello → ack, then resize, ready, step-viewed,
//    step-completed and completed. The last two come from the server: a passing submit answers with an
//    HX-Trigger of `codecapsule:step-completed` {step} (and `codecapsule:completed` {total} when the whole
//    course is complete), which htmx dispatches as DOM events here (playlists/views/workspace.py).
(function () {
  "use strict";

  var SOURCE = "codecapsule";
  var STORAGE_KEY = "codecapsule-learner";
  // A key and the server's signature of it (playlists/views/_embed_common.py); a bare key is from before signing.
  var KEY_PATTERN = /^[A-Za-z0-9_-]{16,64}(:[A-Za-z0-9_-]{20,100})?$/;
  var HELLO_DELAYS = [0, 250, 500, 1000, 2000, 4000, 8000, 16000];
  var QUEUE_LIMIT = 50;
  var body = document.body;
  var framed = window.parent !== window;

  // --- Learner key ------------------------------------------------------------------------------------

  var learnerKey = readStoredKey(); // "" until the state names this learner

  function readStoredKey() {
    try {
      var value = window.localStorage.getItem(STORAGE_KEY) || "";
      return KEY_PATTERN.test(value) ? value : "";
    } catch (error) {
      return ""; // storage refused (third-party storage blocked): the key lives as long as the page
    }
  }

  function storeKey(value) {
    try {
      window.localStorage.setItem(STORAGE_KEY, value);
    } catch (error) {
      // Not persisted; resume then depends on the cookie alone.
    }
  }

  // workspace.js sends the key with its draft saves (they are fetches, not htmx requests).
  window.CodeCapsuleLearner = {
    key: function () {
      return learnerKey;
    },
  };

  document.addEventListener("htmx:configRequest", function (event) {
    if (learnerKey) event.detail.headers["X-Learner-Key"] = learnerKey;
  });

  function keepIssuedKey(value) {
    if (value && KEY_PATTERN.test(value) && value !== learnerKey) {
      learnerKey = value;
      storeKey(value);
    }
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr) keepIssuedKey(xhr.getResponseHeader("X-Learner-Key"));
  });

  // --- The learner's state ------------------------------------------------------------------------------

  var stateUrl = body.getAttribute("data-state-url");
  var OPEN_STEP_LINKS = 10; // as playlists/views/_embed_common.py: "Still open" names at most this many steps
  var progress = { completed: {}, courseComplete: false }; // kept up to date by the server's completion events

  function withStep(url, step) {
    return url + (url.indexOf("?") === -1 ? "?" : "&") + "step=" + step;
  }

  // `step`: a TERMINAL step whose saved directory the prompt should show, or an editor step whose saved code the
  // editor should get back. Resolves to the state, or null.
  function loadState(step) {
    if (!stateUrl || !window.fetch) return Promise.resolve(null);
    var headers = {};
    if (learnerKey) headers["X-Learner-Key"] = learnerKey;
    return window
      .fetch(step ? withStep(stateUrl, step) : stateUrl, { credentials: "same-origin", headers: headers, cache: "no-store" })
      .then(function (response) {
        keepIssuedKey(response.headers.get("X-Learner-Key"));
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (!state) return null;
        keepIssuedKey(state.learner_key);
        if (Array.isArray(state.completed_steps)) {
          progress.completed = {};
          state.completed_steps.forEach(function (value) {
            var position = positiveInteger(value);
            if (position !== null) progress.completed[position] = true;
          });
          progress.courseComplete = state.course_complete === true;
        }
        showProgress();
        showPrompt(state.terminal_prompt);
        document.dispatchEvent(new CustomEvent("codecapsule:learner-state", { detail: state }));
        return state;
      })
      .catch(function () {
        return null; // the page works as a stranger's; the next post still gets the learner a key
      });
  }

  function terminalStep() {
    return !!document.querySelector("#course [data-terminal]");
  }

  // A step whose state holds something of the learner's beyond progress: a terminal's directory, an editor's code.
  function workspaceStep() {
    return terminalStep() || !!document.querySelector("#course [data-workspace]");
  }

  // The server's own markup for a completed step (_embed_common.render_dots, render_jump_menu), applied to a page
  // rendered for nobody.
  function markDot(link, done) {
    var label = (link.getAttribute("title") || "").replace(/ \(completed\)$/, "");
    var text = done ? label + " (completed)" : label;
    link.classList.toggle("dot--completed", done);
    link.setAttribute("title", text);
    var hidden = link.querySelector(".visually-hidden");
    if (hidden) hidden.textContent = text;
  }

  function markJump(link, done) {
    link.classList.toggle("is-completed", done);
    var hidden = link.querySelector(".visually-hidden");
    if (done && !hidden) {
      hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " (completed)";
      link.appendChild(hidden);
    } else if (!done && hidden) {
      hidden.remove();
    }
  }

  // The footer's completion rule, as playlist.html renders it: the badge once every step is complete (on any
  // step); on the last step otherwise how far the learner got and links to the steps still open.
  function openStepLink(source) {
    var link = document.createElement("a");
    ["href", "hx-get", "target", "data-step-link"].forEach(function (name) {
      if (source.hasAttribute(name)) link.setAttribute(name, source.getAttribute(name));
    });
    link.textContent = "Step " + source.getAttribute("data-step-link") + ": " + stepTitle(source);
    return link;
  }

  function stepTitle(source) {
    var text = source.firstChild ? source.firstChild.textContent : source.textContent;
    return text.replace(/^Step \d+: /, "");
  }

  function courseEnd(info, done) {
    var end = document.createElement("div");
    end.className = "course-end";
    var summary = document.createElement("p");
    summary.textContent = "You reached the end — " + done + " of " + info.total + " step" + (info.total === 1 ? "" : "s") + " complete.";
    end.appendChild(summary);
    var sources = {};
    document.querySelectorAll("#course .jump__list [data-step-link], #course-status [data-step-link]").forEach(function (link) {
      sources[link.getAttribute("data-step-link")] = sources[link.getAttribute("data-step-link")] || link;
    });
    var open = [];
    for (var position = 1; position <= info.total; position++) {
      if (!progress.completed[position] && sources[position]) open.push(sources[position]);
    }
    if (open.length) {
      var list = document.createElement("p");
      list.className = "course-end__open";
      list.appendChild(document.createTextNode("Still open: "));
      open.slice(0, OPEN_STEP_LINKS).forEach(function (source, index) {
        if (index) list.appendChild(document.createTextNode(", "));
        list.appendChild(openStepLink(source));
      });
      var more = open.length - OPEN_STEP_LINKS;
      list.appendChild(document.createTextNode(more > 0 ? " and " + more + " more (see Jump to step)." : "."));
      end.appendChild(list);
    }
    return end;
  }

  function showCourseStatus(info, done) {
    var status = document.getElementById("course-status");
    if (!status) return;
    if (progress.courseComplete) {
      var badge = document.createElement("p");
      badge.className = "completion-badge";
      badge.setAttribute("role", "status");
      badge.textContent = "🎉 Course Completed! Great job!";
      status.replaceChildren(badge);
    } else if (info.step === info.total) {
      status.replaceChildren(courseEnd(info, done));
      if (window.htmx) window.htmx.process(status);
    } else {
      status.replaceChildren();
    }
  }

  function showProgress() {
    var info = currentStep();
    if (!info) return;
    var done = 0;
    document.querySelectorAll("#course [data-step-link]").forEach(function (link) {
      var completed = !!progress.completed[link.getAttribute("data-step-link")];
      if (link.classList.contains("dot")) markDot(link, completed);
      else if (link.closest(".jump__list")) markJump(link, completed);
    });
    for (var position = 1; position <= info.total; position++) if (progress.completed[position]) done++;
    // A stranger's footer is what the page already shows.
    if (done || progress.courseComplete) showCourseStatus(info, done);
  }

  function showPrompt(prompt) {
    var element = document.getElementById("term-prompt");
    // Only the page's placeholder: once a command ran, the prompt is the server's answer to it.
    if (element && element.hasAttribute("data-term-pending") && typeof prompt === "string" && prompt) {
      element.textContent = prompt;
      element.removeAttribute("data-term-pending");
    }
  }

  // --- Messages to the host page ------------------------------------------------------------------------

  var acked = false;
  var parentOrigin = "*";
  var queue = [];
  var lastHeight = 0;

  // Before the ack we do not know the host's origin, so `hello` goes to "*": it carries nothing but its
  // type. Everything after it goes to the origin that acknowledged (none of it is secret either).
  function post(message) {
    if (!framed) return;
    message.source = SOURCE;
    window.parent.postMessage(message, parentOrigin);
  }

  function send(message) {
    if (acked) post(message);
    else if (queue.length < QUEUE_LIMIT) queue.push(message);
  }

  function sayHello(attempt) {
    if (acked || attempt >= HELLO_DELAYS.length) return;
    window.setTimeout(function () {
      if (acked) return;
      post({ type: "hello" });
      sayHello(attempt + 1);
    }, HELLO_DELAYS[attempt]);
  }

  function onAck(event) {
    if (acked) return;
    acked = true;
    if (event.origin && event.origin !== "null") parentOrigin = event.origin;
    post({ type: "ready" });
    queue.splice(0).forEach(post);
    watchHeight();
  }

  function watchHeight() {
    function report() {
      var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height !== lastHeight) {
        lastHeight = height;
        post({ type: "resize", height: height });
      }
    }
    if (window.ResizeObserver) new ResizeObserver(report).observe(document.documentElement);
    else window.addEventListener("resize", report);
    report();
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.source !== window.parent || !data || data.source !== SOURCE) return;
    if (data.type === "ack") onAck(event);
  });

  // --- Steps ------------------------------------------------------------------------------------------------

  var eventsUrl = body.getAttribute("data-events-url");

  function currentStep() {
    var element = document.getElementById("course");
    if (!element || !element.hasAttribute("data-step")) return null;
    return {
      step: parseInt(element.getAttribute("data-step"), 10),
      total: parseInt(element.getAttribute("data-total"), 10),
      title: element.getAttribute("data-step-title") || "",
      documentTitle: element.getAttribute("data-document-title") || "",
    };
  }

  function recordView(step) {
    if (!eventsUrl || !learnerKey || !window.fetch) return;
    window
      .fetch(eventsUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-Learner-Key": learnerKey },
        body: JSON.stringify({ verb: "viewed", step: step }),
      })
      .then(function (response) {
        keepIssuedKey(response.headers.get("X-Learner-Key"));
      })
      .catch(function () {
        // Progress is a convenience: a lost event must never disturb the learner.
      });
  }

  function announce(info) {
    recordView(info.step);
    send({ type: "step-viewed", step: info.step, total: info.total, title: info.title });
  }

  // Completion is the judge's word, never a click: only the server's HX-Trigger events reach the host.
  function positiveInteger(value) {
    return typeof value === "number" && isFinite(value) && value >= 1 ? Math.floor(value) : null;
  }

  // The answer's out-of-band dots and footer already show it; remembered for the steps swapped in later.
  document.addEventListener("codecapsule:step-completed", function (event) {
    var step = positiveInteger(event.detail && event.detail.step);
    if (step === null) return;
    progress.completed[step] = true;
    send({ type: "step-completed", step: step });
  });

  document.addEventListener("codecapsule:completed", function (event) {
    var total = positiveInteger(event.detail && event.detail.total);
    if (total === null) return;
    progress.courseComplete = true;
    send({ type: "completed", total: total });
  });

  function afterStepSwap(focus) {
    var info = currentStep();
    if (!info) return;
    showProgress(); // the swapped-in step is everyone's: this learner's marks go back on
    if (workspaceStep()) loadState(info.step); // and its terminal's saved directory or its editor's saved code
    if (info.documentTitle) document.title = info.documentTitle;
    if (focus) {
      var heading = document.getElementById("step-title");
      if (heading) heading.focus();
    }
    announce(info);
  }

  var quietSwap = false; // the resume swap on load: no focus move, the learner has not done anything yet

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.target || event.detail.target.id !== "course") return;
    afterStepSwap(!quietSwap);
    quietSwap = false;
  });
  // Back/forward inside the frame: htmx restored an earlier step from its history cache.
  document.addEventListener("htmx:historyRestore", function () {
    afterStepSwap(false);
  });

  function stepUrl(step) {
    var url = new URL(window.location.href);
    url.searchParams.set("step", String(step));
    return url.pathname + url.search;
  }

  function start() {
    var info = currentStep();
    loadState(info && workspaceStep() ? info.step : null).then(function (state) {
      if (!info) return;
      // No ?step in the URL: the page shows step 1 to everyone; a returning learner goes on where they left off
      // (the step's fragment, which is shared too), announced when it has settled.
      var resumeAt = state && positiveInteger(state.position);
      if (body.hasAttribute("data-resume") && resumeAt && resumeAt !== info.step && resumeAt <= info.total && window.htmx) {
        quietSwap = true;
        window.htmx.ajax("GET", stepUrl(resumeAt), { target: "#course", swap: "outerHTML" });
      } else {
        announce(info);
      }
    });
    sayHello(0);
  }

  start();
})();
