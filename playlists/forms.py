"""Creator dashboard forms: the playlist builder, the builder's capsule filter and the embed code options.

The builder form only collects what the creator posted: details, the ordered capsule ids (hidden inputs named
`capsule`, one per step) and which button was pressed. The playlist services stay the one judge of validity;
their error paths (`title`, `items[2].capsule_id`) are mapped back onto the field or step they came from by
`add_service_error` (codecapsule.http).

Every builder button is a real submit button with a name and value, so the page works without JavaScript:
`add`, `remove_step`, `up` and `down` post the list back and the page is rendered again with the change applied
(`apply_step_action`); `save` saves. With JavaScript the same buttons change the list in the page instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.http import urlencode

from capsules.models import Capsule, CapsuleType
from codecapsule.http import ServiceErrorsForm
from playlists.models import Playlist

TITLE_PLACEHOLDER = "Playlist title (e.g., Python 101: The Complete Intro)"
DESCRIPTION_PLACEHOLDER = "Description (e.g., A 5-part series for absolute beginners)"
FILTER_FORM_ID = "capsule-filter"  # the builder's GET form; its inputs sit in the left column (form="…")

StepActionKind = Literal["add", "remove", "up", "down"]
# The name each action's button posts under. Not "remove": a form control by that name would shadow the
# form element's own remove() method, which htmx calls when it swaps the form.
STEP_ACTION_FIELDS: dict[str, StepActionKind] = {"add": "add", "remove_step": "remove", "up": "up", "down": "down"}

# Service messages that read badly next to a form field; everything else is shown as the service wrote it.
_FRIENDLIER = {
    ("title", "Field required"): "Give the playlist a title.",
    ("title", "must be a non-empty string"): "Give the playlist a title.",
}
_STEP_ERROR_PATH = re.compile(r"^items\[(?P<index>\d+)\](?:\.\w+)?$")


def parse_capsule_ids(values: list[str]) -> list[UUID]:
    """The posted `capsule` values as ids in order. Only a tampered post has a value that is not a UUID or
    a capsule twice (the page never adds one twice); those are dropped rather than reported."""
    ids: dict[UUID, None] = {}  # ordered and without repeats
    for value in values:
        try:
            ids.setdefault(UUID(value))
        except (TypeError, ValueError):
            continue
    return list(ids)


@dataclass(frozen=True)
class StepAction:
    """A no-JavaScript button press: which change, on which capsule."""

    kind: StepActionKind
    capsule_id: UUID


def parse_step_action(data: Mapping[str, Any]) -> StepAction | None:
    for name, kind in STEP_ACTION_FIELDS.items():
        if name in data:
            try:
                return StepAction(kind=kind, capsule_id=UUID(str(data[name])))
            except ValueError:
                return None
    return None


def apply_step_action(capsule_ids: list[UUID], action: StepAction) -> tuple[list[UUID], int | None]:
    """The list after `action`, and the 1-based position the capsule ended at (None when it was removed
    or the action changed nothing, e.g. adding a capsule that is already there)."""
    ids = list(capsule_ids)
    target = action.capsule_id
    if action.kind == "add":
        if target in ids:
            return ids, None
        ids.append(target)
        return ids, len(ids)
    if target not in ids:
        return ids, None
    index = ids.index(target)
    if action.kind == "remove":
        ids.pop(index)
        return ids, None
    new_index = index - 1 if action.kind == "up" else index + 1
    if not 0 <= new_index < len(ids):
        return ids, None
    ids[index], ids[new_index] = ids[new_index], ids[index]
    return ids, new_index + 1


class PlaylistBuilderForm(ServiceErrorsForm):
    # Not required here: the button stays usable without JavaScript, and the service says what is missing.
    title = forms.CharField(
        required=False,
        max_length=Playlist._meta.get_field("title").max_length,
        label="Title",
        widget=forms.TextInput(attrs={"placeholder": TITLE_PLACEHOLDER, "autocomplete": "off"}),
    )
    description = forms.CharField(
        required=False,
        label="Description",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": DESCRIPTION_PLACEHOLDER}),
    )
    is_public = forms.BooleanField(
        required=False,
        label="Public",
        help_text="Listed in the gallery and embeddable by anyone. A private playlist plays only through its embed code.",
    )
    # The playlist version the page was rendered from: a save made from an older one is refused.
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data: Any = None, *, playlist: Playlist | None = None):
        initial = {}
        if playlist is not None:
            initial = {
                "title": playlist.title,
                "description": playlist.description,
                "is_public": playlist.is_public,
                "version": playlist.version,
            }
        super().__init__(data, initial=initial)
        self.playlist = playlist
        self.step_errors: dict[int, list[str]] = {}
        self.steps_error = ""
        self.stale = False

    @property
    def capsule_ids(self) -> list[UUID]:
        if not self.is_bound:
            return []
        assert isinstance(self.data, QueryDict)  # bound to request.GET or request.POST only
        return parse_capsule_ids(self.data.getlist("capsule"))

    @property
    def action(self) -> StepAction | None:
        return parse_step_action(self.data) if self.is_bound else None

    @property
    def wants_save(self) -> bool:
        return self.is_bound and "save" in self.data

    def details(self) -> dict[str, Any]:
        """Keyword arguments for playlist_create / playlist_update (call after is_valid())."""
        cleaned = self.cleaned_data
        return {"title": cleaned["title"], "description": cleaned["description"], "is_public": cleaned["is_public"]}

    def ready_to_save(self) -> bool:
        """Valid fields, a title and at least one step: what the Save button asks for in the page."""
        if not self.is_valid():
            return False
        if not self.cleaned_data["title"].strip():
            self.add_error("title", "Give the playlist a title.")
        if not self.capsule_ids:
            self.steps_error = "Add at least one capsule to the playlist."
        if self.playlist is not None and self.cleaned_data["version"] is None:
            self.add_error(None, "The page did not say which version of the playlist it shows. Refresh it and try again.")
        return not self.errors and not self.steps_error

    def friendlier_message(self, path: str, message: str) -> str:
        return _FRIENDLIER.get((path, message), message)

    def place_service_error(self, path: str, message: str) -> bool:
        """A service's path lands next to its field or step (`version` is hidden: it goes on top)."""
        if step := _STEP_ERROR_PATH.match(path):
            self.step_errors.setdefault(int(step["index"]), []).append(message)
        elif path == "items":
            self.steps_error = message
        elif path in self.fields and path != "version":
            self.add_error(path, message)
        else:
            return False
        return True


class CapsulePoolFilterForm(forms.Form):
    """The search and type filter of the builder's "My capsules" column (a GET form; unknown values are ignored)."""

    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search capsules",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search by title", "autocomplete": "off", "form": FILTER_FORM_ID}),
    )
    type = forms.ChoiceField(
        required=False,
        label="Type",
        choices=[("", "All types"), *CapsuleType.choices],
        widget=forms.Select(attrs={"form": FILTER_FORM_ID}),
    )

    def filter(self, queryset: QuerySet[Capsule]) -> QuerySet[Capsule]:
        cleaned = self.cleaned_data if self.is_valid() else {}
        if cleaned.get("type"):
            queryset = queryset.filter(capsule_type=cleaned["type"])
        if cleaned.get("q", "").strip():
            queryset = queryset.filter(title__icontains=cleaned["q"].strip())
        return queryset

    def is_filtered(self) -> bool:
        return bool(self._values())

    def querystring(self) -> str:
        """The filter as a query string, for the builder's no-JavaScript posts to keep it."""
        return urlencode(self._values())

    def _values(self) -> dict[str, str]:
        cleaned = self.cleaned_data if self.is_valid() else {}
        values = {"q": cleaned.get("q", "").strip(), "type": cleaned.get("type", "")}
        return {name: value for name, value in values.items() if value}


class Theme:
    """The embed's colour scheme; `auto` follows the reader's system setting."""

    CHOICES = [("auto", "Auto (the reader's system)"), ("light", "Light"), ("dark", "Dark")]
    DEFAULT = "auto"


def step_range_message(total_steps: int) -> str:
    """The start-step error, also handed to share.js so the page says the same thing without a round trip."""
    if total_steps <= 1:
        count = "no steps learners see yet; start at step 1" if total_steps == 0 else "1 step; start at step 1"
        return f"This course has {count}."
    return f"This course has {total_steps} steps; choose 1–{total_steps}."


class EmbedOptionsForm(forms.Form):
    """The share page's advanced embed options (a GET form). `step` runs 1..the number of steps."""

    # Not required: a link that names only the start step (`?step=2`) keeps the default theme.
    theme = forms.ChoiceField(label="Theme", choices=Theme.CHOICES, initial=Theme.DEFAULT, required=False)
    progress = forms.BooleanField(label="Show progress", required=False, initial=True)

    field_order = ["step", "theme", "progress"]

    def __init__(self, data: Any = None, *, total_steps: int):
        # An unchecked box sends nothing, so "progress" missing means off only when the form was submitted.
        submitted = data is not None and any(name in data for name in ("step", "theme", "progress"))
        super().__init__(data if submitted else None)
        self.step_range_message = step_range_message(total_steps)
        # One message for every wrong start step (too small, too big, not a number): it says what is allowed.
        messages = {code: self.step_range_message for code in ("min_value", "max_value", "invalid", "required")}
        self.fields["step"] = forms.IntegerField(
            label="Start at step", min_value=1, max_value=max(total_steps, 1), initial=1, error_messages=messages
        )
        self.order_fields(self.field_order)

    def options(self) -> dict[str, Any]:
        """step, theme, show_progress: the valid values, or the defaults when the form is invalid or unsent."""
        if self.is_bound and self.is_valid():
            cleaned = self.cleaned_data
            theme = cleaned["theme"] or Theme.DEFAULT
            return {"step": cleaned["step"], "theme": theme, "show_progress": cleaned["progress"]}
        return {"step": 1, "theme": Theme.DEFAULT, "show_progress": True}
