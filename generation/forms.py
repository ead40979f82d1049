"""The forced-choice form of /create/: type, language and difficulty are mandatory selects
with nothing chosen in advance, plus the prompt.

The language options follow the type: with htmx the page fetches the type's languages when the type changes;
without JavaScript the full list (grouped by type) is shown and a combination that does not exist is refused
here and again by the service (`generation_request_errors`, whose field names this form uses).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.urls import reverse

from capsules.languages import language_label
from capsules.models import CapsuleType, Difficulty
from capsules.schemas import LANGUAGES_BY_TYPE
from codecapsule.http import ServiceErrorsForm, choice_field
from generation.services import GenerationArguments

_TYPE_NOUNS = {
    CapsuleType.CODE: "Coding problem",
    CapsuleType.DATABASE: "SQL exercise",
    CapsuleType.TERMINAL: "Terminal task",
}


def language_choices(capsule_type: str) -> list[tuple[str, Any]]:
    """The language options for a type; for no (or an unknown) type, every language grouped by type."""
    placeholder = ("", "Choose a language")
    if capsule_type in LANGUAGES_BY_TYPE:
        return [placeholder, *((code, language_label(code)) for code in LANGUAGES_BY_TYPE[capsule_type])]
    groups = [
        (f"{_TYPE_NOUNS[CapsuleType(kind)]} ({CapsuleType(kind).label})", [(c, language_label(c)) for c in codes])
        for kind, codes in LANGUAGES_BY_TYPE.items()
    ]
    return [placeholder, *groups]


class GenerationForm(ServiceErrorsForm):
    type = forms.ChoiceField(
        label="Type",
        choices=[
            ("", "Choose a type"),
            *((value, f"{_TYPE_NOUNS[CapsuleType(value)]} ({label})") for value, label in CapsuleType.choices),
        ],
        error_messages={"required": "Choose the kind of exercise."},
    )
    language = forms.ChoiceField(label="Language", error_messages={"required": "Choose a language."})
    difficulty = forms.ChoiceField(
        label="Difficulty",
        choices=[("", "Choose a difficulty"), *Difficulty.choices],
        error_messages={"required": "Choose how hard it should be."},
    )
    prompt = forms.CharField(
        label="What should it be about?",
        required=False,
        max_length=settings.GENERATION_PROMPT_MAX_CHARS,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "e.g. counting the words in a sentence, for learners who just met dictionaries"}
        ),
        help_text="A topic, the concepts to practise, the audience. Leave it empty to let the Pedagogist pick a topic.",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Every language is a valid choice for the field itself, so that clean() can say which languages the
        # type has. The page shows them all (grouped by type): without JavaScript the type may still change.
        choice_field(self, "language").choices = language_choices("")
        self.fields["prompt"].widget.attrs["maxlength"] = settings.GENERATION_PROMPT_MAX_CHARS
        # With htmx, the language field follows the type: on change, and once on load (a page re-shown after
        # an error may have a type chosen while the full list is on the page).
        self.fields["type"].widget.attrs.update(
            {
                "hx-get": reverse("generation:languages"),
                "hx-trigger": "change, load",
                "hx-target": "#language-field",
                "hx-swap": "outerHTML",
                "hx-include": "#id_language",
                "aria-controls": "id_language",
            }
        )

    @property
    def chosen_type(self) -> str:
        """The type the creator picked (posted or initial), or "" when none (or an unknown one)."""
        value = self.data.get("type", "") if self.is_bound else self.initial.get("type", "")
        return value if value in LANGUAGES_BY_TYPE else ""

    def narrow_language_options(self) -> None:
        """Offer only the chosen type's languages (the htmx partial). A language of another type is dropped;
        a type with a single language has it chosen, since choosing the type already chose it."""
        capsule_type = self.chosen_type
        self.fields["language"].widget.choices = language_choices(capsule_type)
        if not capsule_type:
            return
        languages = LANGUAGES_BY_TYPE[capsule_type]
        if self.initial.get("language") not in languages:
            self.initial["language"] = languages[0] if len(languages) == 1 else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
        capsule_type, language = cleaned.get("type"), cleaned.get("language")
        if capsule_type and language and language not in LANGUAGES_BY_TYPE[capsule_type]:
            allowed = ", ".join(language_label(code) for code in LANGUAGES_BY_TYPE[capsule_type])
            self._keep_language_field()
            self.add_error(
                "language",
                f"{language_label(language)} is not a language for a {_TYPE_NOUNS[CapsuleType(capsule_type)].lower()}; "
                f"choose {allowed}.",
            )
        return cleaned

    def friendlier_message(self, path: str, message: str) -> str:
        return message[:1].upper() + message[1:]

    def place_service_error(self, path: str, message: str) -> bool:
        """ValidationFailed / TooManyJobs use this form's field names; anything else is about the whole form."""
        if path == "language":
            self._keep_language_field()
        self.add_error(path if path in self.fields else None, message)
        return True

    def _keep_language_field(self) -> None:
        # The load-time swap would replace the field and its error message: the creator must see the error.
        self.fields["type"].widget.attrs["hx-trigger"] = "change"

    def service_arguments(self) -> GenerationArguments:
        cleaned = self.cleaned_data
        return {
            "capsule_type": cleaned["type"],
            "language": cleaned["language"],
            "difficulty": cleaned["difficulty"],
            "prompt": cleaned["prompt"],
        }
