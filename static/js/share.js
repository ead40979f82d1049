// The share page (playlists/templates/playlists/playlist_share.html): the embed code follows the options as
// they change, the preview follows with them, and Copy puts the code on the clipboard.
//
// The server renders the code (playlists.views.builder.embed_code) and hands this script the same code with
// a placeholder for the iframe's URL; only the URL's query is built here, in the order the server uses.
// Without JavaScript the options form asks the server for the page again.
(function () {
  "use strict";

  var code = document.querySelector("[data-embed-code]");
  var form = document.querySelector("[data-embed-options]");
  if (!code || !form) return;

  var preview = document.querySelector("[data-preview]");
  var directLink = document.querySelector("[data-direct-link]");
  var copyButton = document.querySelector("[data-copy]");
  var copyStatus = document.querySelector("[data-copy-status]");
  var previewTimer = null;

  function escapeHtml(text) {
    return text
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#x27;");
  }

  // The start step's error under its field, in the server's words (data-step-error): a step the course does
  // not have is refused out loud, and the code keeps the last valid options meanwhile.
  function showStepError(stepInput, valid) {
    var field = stepInput.closest(".field");
    var list = field.querySelector(".errorlist");
    field.classList.toggle("field--invalid", !valid);
    stepInput.setAttribute("aria-invalid", valid ? "false" : "true");
    if (valid) {
      if (list) list.remove();
      return;
    }
    if (!list) {
      list = document.createElement("ul");
      list.className = "errorlist";
      list.id = stepInput.id + "_error";
      list.appendChild(document.createElement("li"));
      stepInput.after(list);
    }
    list.firstElementChild.textContent = form.dataset.stepError;
    var described = (stepInput.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (described.indexOf(list.id) === -1) stepInput.setAttribute("aria-describedby", described.concat(list.id).join(" "));
  }

  // step, theme, progress as the form holds them; null while the step is not a step of the playlist.
  function options() {
    var stepInput = form.elements.step;
    var step = Number(stepInput.value);
    var max = Number(stepInput.max) || 1;
    var validStep = stepInput.value.trim() !== "" && Number.isInteger(step) && step >= 1 && step <= max;
    showStepError(stepInput, validStep);
    if (!validStep) return null;
    return { step: step, theme: form.elements.theme.value, progress: form.elements.progress.checked };
  }

  // The embed path with the options that differ from the embed's defaults, then the token if any: the
  // order of embed_path on the server.
  function embedPath(chosen) {
    var params = new URLSearchParams();
    if (chosen.step !== 1) params.set("step", String(chosen.step));
    if (chosen.theme !== "auto") params.set("theme", chosen.theme);
    if (!chosen.progress) params.set("progress", "false");
    if (code.dataset.token) params.set("token", code.dataset.token);
    var query = params.toString();
    return code.dataset.embedPath + (query ? "?" + query : "");
  }

  function update() {
    var chosen = options();
    if (!chosen) return;
    var path = embedPath(chosen);
    var url = code.dataset.siteUrl + path;
    code.value = code.dataset.template.replace(code.dataset.placeholder, function () {
      return escapeHtml(url);
    });
    if (directLink) {
      directLink.href = url;
      directLink.textContent = url;
    }
    schedulePreview(path);
  }

  // The preview (same origin as this page) reloads the embed: wait until the options settle.
  function schedulePreview(path) {
    if (!preview) return;
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(function () {
      if (preview.getAttribute("src") !== path) preview.setAttribute("src", path);
    }, 300);
  }

  function say(text) {
    copyStatus.textContent = "";
    window.setTimeout(function () {
      copyStatus.textContent = text;
    }, 50);
  }

  // For browsers without the async clipboard (or a page that is not a secure context): select and copy.
  function copyBySelecting() {
    code.focus();
    code.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    say(copied ? "Copied" : "Press Ctrl+C (⌘C on a Mac) to copy the selected code");
  }

  function copy() {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code.value).then(function () {
        say("Copied");
      }, copyBySelecting);
    } else {
      copyBySelecting();
    }
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", function (event) {
    event.preventDefault(); // the code is already up to date
    update();
  });
  form.querySelector("[data-options-submit]").hidden = true;
  copyButton.hidden = false;
  copyButton.addEventListener("click", copy);
  code.addEventListener("focus", function () {
    code.select();
  });
})();
