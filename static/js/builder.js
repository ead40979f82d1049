// The playlist builder (playlists/templates/playlists/playlist_builder.html).
//
// Without this file every button posts the list back and the server answers with the change made. With it,
// SortableJS (drag from "My capsules", reorder by dragging) and the same buttons change the list in the page,
// a polite live region says what happened, and only Save talks to the server (htmx posts the form; while the
// save is in flight nothing can be dragged). The hidden `capsule` inputs live inside the steps, so the order
// of the list in the page is the order that is posted.
(function () {
  "use strict";

  var sortables = [];
  // Sortable's own pointer-driven dragging rather than the browser's native drag and drop: it behaves the
  // same in every browser and on touch screens, and the dragged copy (on <body>) is not clipped by the
  // scrolling "My capsules" list.
  var DRAG_OPTIONS = { animation: 150, forceFallback: true, fallbackOnBody: true, fallbackTolerance: 3 };

  function builder() {
    return document.querySelector("[data-builder]");
  }

  function stepList(form) {
    return form.querySelector("[data-steps]");
  }

  function steps(form) {
    return Array.prototype.filter.call(stepList(form).children, function (child) {
      return child.matches("[data-step]");
    });
  }

  function hasStep(form, capsuleId) {
    return steps(form).some(function (step) {
      return step.dataset.capsuleId === capsuleId;
    });
  }

  function announce(form, text) {
    var region = form.querySelector("[data-announce]");
    if (!region) return;
    // Emptied first, so that the same sentence twice in a row is read out twice.
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 50);
  }

  // --- Keeping the page in step with the list -------------------------------------------------------

  function refresh(form) {
    var items = steps(form);
    var ids = {};
    items.forEach(function (step, index) {
      ids[step.dataset.capsuleId] = true;
      step.querySelector("[data-step-number]").textContent = String(index + 1);
      step.querySelector('[data-action="up"]').disabled = index === 0;
      step.querySelector('[data-action="down"]').disabled = index === items.length - 1;
    });
    showReach(form, items);
    form.querySelector("[data-steps-empty]").hidden = items.length > 0;
    form.querySelectorAll("[data-pool] [data-capsule-id]").forEach(function (card) {
      markCard(card, ids[card.dataset.capsuleId] === true);
    });
    updateSave(form);
  }

  // The count the share page shows too (reach_summary on the server): "4 steps", or "3 of 4 steps reach
  // learners" while some steps are hidden from them, with the note that says the embed skips those.
  function plural(count) {
    return count === 1 ? " step" : " steps";
  }

  function showReach(form, items) {
    var total = items.length;
    var hidden = items.filter(function (step) {
      return Boolean(step.dataset.stepHidden);
    }).length;
    var visible = total - hidden;
    form.querySelector("[data-step-count]").textContent =
      hidden === 0 ? total + plural(total) : visible + " of " + total + plural(total) + (total === 1 ? " reaches" : " reach") + " learners";
    var note = form.querySelector("[data-hidden-note]");
    if (note) {
      note.hidden = hidden === 0;
      note.querySelector("[data-hidden-count]").textContent = hidden + plural(hidden);
    }
  }

  function markCard(card, added) {
    var button = card.querySelector('[data-action="add"]');
    card.classList.toggle("pool-card--added", added);
    if (added) button.setAttribute("aria-disabled", "true");
    else button.removeAttribute("aria-disabled");
    button.querySelectorAll("[data-add-label]").forEach(function (label) {
      label.textContent = added ? "In playlist" : "Add to playlist";
    });
  }

  // Save needs a title and at least one step, and waits for a save in flight.
  function updateSave(form) {
    var title = form.querySelector("#id_title");
    var hasTitle = title.value.trim() !== "";
    var ready = hasTitle && steps(form).length > 0 && !form.hasAttribute("aria-busy");
    var save = form.querySelector("[data-save]");
    var hint = form.querySelector("[data-save-hint]");
    save.disabled = !ready;
    hint.hidden = ready || form.hasAttribute("aria-busy");
    if (hint.hidden) save.removeAttribute("aria-describedby");
    else save.setAttribute("aria-describedby", hint.id);
    form.querySelector("[data-title-echo]").textContent = title.value.trim() || "Untitled";
  }

  // A step for a capsule card, from the page's <template> (text is set as text, never as HTML).
  function buildStep(form, card) {
    var template = form.querySelector("template[data-step-template]");
    var step = template.content.querySelector("[data-step]").cloneNode(true);
    var capsuleId = card.dataset.capsuleId;
    var title = card.dataset.title;
    var badge = step.querySelector("[data-step-badge]");
    step.dataset.capsuleId = capsuleId;
    step.dataset.title = title;
    step.querySelector('input[name="capsule"]').value = capsuleId;
    step.querySelectorAll("[data-action]").forEach(function (button) {
      button.value = capsuleId;
    });
    step.querySelectorAll("[data-title-slot]").forEach(function (slot) {
      slot.textContent = title;
    });
    badge.className = "badge badge--" + card.dataset.type;
    badge.textContent = card.dataset.typeLabel;
    if (card.dataset.hiddenReason) markHidden(step, card);
    return step;
  }

  // A capsule learners would not see (e.g. the creator's own draft): the step says so, as the server's does.
  function markHidden(step, card) {
    var tag = document.createElement("span");
    tag.className = "tag tag--hidden step__hidden";
    tag.dataset.hiddenReason = card.dataset.hiddenReason;
    tag.textContent = "Hidden from learners: " + card.dataset.hiddenLabel;
    step.querySelector(".step__title").after(tag);
    step.dataset.stepHidden = card.dataset.hiddenReason;
    step.classList.add("step--hidden");
  }

  // --- The buttons (the keyboard and screen-reader way to do everything dragging does) ----------------

  function addFromCard(form, card) {
    var title = card.dataset.title;
    if (hasStep(form, card.dataset.capsuleId)) {
      announce(form, title + " is already in the playlist");
      return;
    }
    stepList(form).appendChild(buildStep(form, card));
    refresh(form);
    announce(form, "Added " + title + " at position " + steps(form).length);
  }

  function removeStep(form, step) {
    var index = steps(form).indexOf(step);
    var title = step.dataset.title;
    step.remove();
    refresh(form);
    var rest = steps(form);
    var next = rest[index] || rest[index - 1];
    var focusTarget = next ? next.querySelector('[data-action="remove"]') : form.querySelector("#id_q");
    if (focusTarget) focusTarget.focus();
    announce(form, "Removed " + title);
  }

  function moveStep(form, step, direction, button) {
    var sibling = direction === "up" ? step.previousElementSibling : step.nextElementSibling;
    if (!sibling) return;
    if (direction === "up") sibling.before(step);
    else sibling.after(step);
    refresh(form);
    // Moving the element took the focus away. At either end the pressed button is now disabled, so the
    // other one of the same step takes it.
    var other = step.querySelector('[data-action="' + (direction === "up" ? "down" : "up") + '"]');
    (button.disabled ? other : button).focus();
    announce(form, "Moved " + step.dataset.title + " to position " + (steps(form).indexOf(step) + 1));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    var form = builder();
    if (!button || !form || !form.contains(button)) return;
    event.preventDefault(); // the no-JavaScript post-back is not needed: the change happens here
    if (form.hasAttribute("aria-busy")) return;
    var action = button.dataset.action;
    if (action === "add") addFromCard(form, button.closest("[data-capsule-id]"));
    else if (action === "remove") removeStep(form, button.closest("[data-step]"));
    else moveStep(form, button.closest("[data-step]"), action, button);
  });

  document.addEventListener("input", function (event) {
    var form = builder();
    if (form && event.target.id === "id_title" && form.contains(event.target)) updateSave(form);
  });

  // --- Dragging ----------------------------------------------------------------------------------------

  function destroySortables() {
    sortables.forEach(function (sortable) {
      if (sortable.el && sortable.el.isConnected) sortable.destroy();
    });
    sortables = [];
  }

  function initSteps(form) {
    sortables.push(
      window.Sortable.create(stepList(form), Object.assign({}, DRAG_OPTIONS, {
        group: {
          name: "playlist",
          pull: false,
          // A capsule is in a playlist at most once.
          put: function (to, from, dragged) {
            return !hasStep(form, dragged.dataset.capsuleId);
          },
        },
        handle: ".step__handle",
        draggable: "[data-step]",
        onAdd: function (event) {
          var card = event.item;
          card.replaceWith(buildStep(form, card));
          refresh(form);
          announce(form, "Added " + card.dataset.title + " at position " + (event.newIndex + 1));
        },
        onUpdate: function (event) {
          refresh(form);
          announce(form, "Moved " + event.item.dataset.title + " to position " + (event.newIndex + 1));
        },
      }))
    );
  }

  function initPool(form) {
    var pool = form.querySelector("[data-pool]");
    if (!pool || !window.Sortable) return;
    sortables.push(
      window.Sortable.create(pool, Object.assign({}, DRAG_OPTIONS, {
        // The card stays in "My capsules"; the playlist gets a copy.
        group: { name: "playlist", pull: "clone", put: false },
        sort: false,
        handle: ".pool-card__handle",
        draggable: ".pool-card:not(.pool-card--added)",
      }))
    );
  }

  function setDragging(enabled) {
    sortables.forEach(function (sortable) {
      sortable.option("disabled", !enabled);
    });
  }

  function init(form) {
    destroySortables();
    if (window.Sortable) {
      initSteps(form);
      initPool(form);
    }
    refresh(form);
  }

  // --- Saving through htmx -------------------------------------------------------------------------------

  function isSaveRequest(event) {
    var form = builder();
    return form !== null && event.detail.elt === form;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!isSaveRequest(event)) return;
    var form = builder();
    form.setAttribute("aria-busy", "true");
    setDragging(false);
    updateSave(form);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (!isSaveRequest(event)) return;
    var form = builder();
    form.removeAttribute("aria-busy");
    setDragging(true);
    updateSave(form);
  });

  // A refused save comes back as a new form: start again on it and take the keyboard to the first problem.
  document.addEventListener("htmx:load", function (event) {
    var element = event.detail.elt;
    if (!element.matches || !element.matches("[data-builder]")) return;
    init(element);
    var problem = element.querySelector("[role=alert], .field--invalid input, .field--invalid textarea, .step--invalid button");
    if (problem) {
      if (problem.matches("[role=alert]")) problem.setAttribute("tabindex", "-1");
      problem.focus();
    }
  });

  // A new capsule list from the filter: make it draggable and mark what is already in the playlist.
  document.addEventListener("htmx:afterSwap", function (event) {
    var form = builder();
    if (form && event.detail.target.id === "capsule-pool") {
      sortables = sortables.filter(function (sortable) {
        return sortable.el.isConnected;
      });
      initPool(form);
      refresh(form);
    }
  });

  function start() {
    var form = builder();
    if (form) init(form);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
