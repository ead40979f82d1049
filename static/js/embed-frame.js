// Runs inside the embed iframe (/embed/...). The page works without it; this adds:
// 1. the learner key kept in localStorage and sent as X-Learner-Key (cookies are often refused in a
//    third-party iframe), and resuming where the learner left off when only localStorage remembers them. The
//    server signs the keys it issues and says which one to keep in an X-Learner-Key response header (a new
//    learner's, or the signed form of a key from before keys were signed);
// 2. after each htmx step swap: focus on the new step's heading, the document title, a `viewed` event;
// 3. messages to the host page (static/js/embed.js): hello → ack, then resize, ready, step-viewed,
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

  var pageKey = body.getAttribute("data-learner-key") || "";
  var storedKey = readStoredKey();
  var learnerKey = storedKey || pageKey;
  if (!storedKey && pageKey) storeKey(pageKey);

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

  document.addEventListener("codecapsule:step-completed", function (event) {
    var step = positiveInteger(event.detail && event.detail.step);
    if (step !== null) send({ type: "step-completed", step: step });
  });

  document.addEventListener("codecapsule:completed", function (event) {
    var total = positiveInteger(event.detail && event.detail.total);
    if (total !== null) send({ type: "completed", total: total });
  });

  function afterStepSwap(focus) {
    var info = currentStep();
    if (!info) return;
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

  function start() {
    var info = currentStep();
    // Rendered at step 1 for a stranger (no cookie reached us), but localStorage remembers this learner:
    // ask again with their key, and announce the step the server resumes at.
    if (info && body.hasAttribute("data-resume") && storedKey && storedKey !== pageKey && window.htmx) {
      quietSwap = true;
      window.htmx.ajax("GET", window.location.href, { target: "#course", swap: "outerHTML" });
    } else if (info) {
      announce(info);
    }
    sayHello(0);
  }

  start();
})();
