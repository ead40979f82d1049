// CodeCapsule embed helper for host pages: <script src="https://<codecapsule>/embed.js" async></script>
// Sizes every CodeCapsule iframe on the page to its content and re-dispatches the frame's messages as DOM
// events on the iframe (bubbling), e.g.
//   document.addEventListener("codecapsule:step-viewed", function (e) { console.log(e.detail.step); });
// Events: ready, resize {height}, step-viewed {step, total, title}, step-completed {step}, completed {total}.
// No dependencies; safe to include once per embed (only the first copy runs).
(function () {
  "use strict";
  if (window.__codecapsuleEmbed) return;
  window.__codecapsuleEmbed = true;

  var SOURCE = "codecapsule";
  var MIN_HEIGHT = 60;
  var MAX_HEIGHT = 100000;
  var TYPE = /^[a-z][a-z-]{0,31}$/;

  var script = document.currentScript;
  if (!script) {
    var candidates = document.querySelectorAll('script[src*="/embed.js"]');
    script = candidates[candidates.length - 1];
  }
  if (!script || !window.URL) return;
  // Only frames served from where this script came from are ours.
  var ORIGIN = new URL(script.src, window.location.href).origin;

  function isOurs(iframe) {
    try {
      var url = new URL(iframe.src, window.location.href);
      return url.origin === ORIGIN && url.pathname.indexOf("/embed/") !== -1;
    } catch (error) {
      return false;
    }
  }

  function frameOf(source) {
    var iframes = document.getElementsByTagName("iframe");
    for (var i = 0; i < iframes.length; i++) {
      if (iframes[i].contentWindow === source && isOurs(iframes[i])) return iframes[i];
    }
    return null;
  }

  function resize(iframe, height) {
    var value = Math.ceil(Number(height));
    if (!isFinite(value)) return;
    iframe.style.height = Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, value)) + "px";
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== ORIGIN) return;
    var data = event.data;
    if (!data || data.source !== SOURCE || typeof data.type !== "string" || !TYPE.test(data.type)) return;
    var iframe = frameOf(event.source);
    if (!iframe) return;
    if (data.type === "hello") {
      event.source.postMessage({ source: SOURCE, type: "ack" }, ORIGIN);
      return;
    }
    if (data.type === "resize") resize(iframe, data.height);
    var detail = {};
    for (var key in data) {
      if (Object.prototype.hasOwnProperty.call(data, key) && key !== "source") detail[key] = data[key];
    }
    iframe.dispatchEvent(new CustomEvent("codecapsule:" + data.type, { bubbles: true, detail: detail }));
  });
})();
