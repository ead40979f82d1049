"""Admin moderation of capsules (staff only; Django's admin site refuses everyone else).

Every write goes through capsules.services, as from any other path (every write goes through the services):

* the change form validates with the same parse_capsule path (CapsuleAdminForm.clean builds the
  BaseCapsule dict) and shows errors by field path; saving calls capsule_create / capsule_update;
* status is never edited in the form: the publish / reject / flag / back-to-draft actions call
  capsule_moderate, which records who did it and when (the history is shown inline, read-only); reject and
  flag first ask for a reason on an intermediate page (ModerationReasonForm), which the creator then reads;
* deleting calls capsule_delete;
* the "Validate now" action calls capsule_validate for each selected capsule: the judge runs again, the
  new report and status are saved (status_after_judging), and the message says how many passed and which
  failed with what category.

A capsule added here belongs to the staff member who adds it. Staff users are made with
`manage.py createsuperuser` (seed_demo makes none).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import InlineModelAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from capsules.hooks import EditPath
from capsules.models import Capsule, ModerationAction
from capsules.seed_sql import SeedSqlMissing, seed_sql_read
from capsules.services import (
    capsule_create,
    capsule_delete,
    capsule_moderate,
    capsule_update,
    capsule_validate,
    capsule_validate_for_save,
    moderation_reason_error,
)
from codecapsule.admin import ReadOnlyAdmin
from codecapsule.errors import ApplicationError, ValidationFailed
from codecapsule.http import signed_in_user
from codecapsule.markdown import render_markdown

if TYPE_CHECKING:
    # django-stubs' name for what get_fieldsets returns; it exists in the stubs only.
    from django.contrib.admin.options import _FieldsetSpec

# Where an error path is shown in the form: the field that holds it, else the top of the form.
_PATH_FIELD = {
    "title": "title",
    "capsule_type": "capsule_type",
    "problem_statement_md": "problem_statement_md",
    "runtime_config.language": "language",
    "runtime_config.runtime_tier": "runtime_tier",
    "difficulty": "difficulty",
    "is_public": "is_public",
}


# Wording of the admin's messages: "2 capsules published; 1 was already published."
_ACTION_WORDS = {
    ModerationAction.Action.PUBLISH: ("published", "published"),
    ModerationAction.Action.REJECT: ("rejected", "rejected"),
    ModerationAction.Action.FLAG: ("flagged", "flagged"),
    ModerationAction.Action.DRAFT: ("sent back to draft", "in draft"),
}


# The intermediate page of the reject and flag actions, where the moderator writes the reason.
MODERATION_REASON_TEMPLATE = "admin/capsules/capsule/moderation_reason.html"


class ModerationReasonForm(forms.Form):
    """The reason a reject or flag action needs (capsule_moderate refuses one without it)."""

    reason = forms.CharField(
        label="Reason (the creator sees it on their capsule)",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
    )

    def __init__(self, *args: Any, action: ModerationAction.Action, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.action = action

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        problem = moderation_reason_error(action=self.action, note=reason)
        if problem is not None:
            raise forms.ValidationError(problem)
        return reason


# How many failures the "Validate now" message names.
_FAILURES_SHOWN = 10


class PrettyJSONField(forms.JSONField):
    """Shows JSON indented, so a long config_data is editable by a person."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2, cls=self.encoder)


class CapsuleAdminForm(forms.ModelForm):
    config_data = PrettyJSONField(
        label="Config data (JSON)",
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100, "spellcheck": "false"}),
    )
    runtime_tier = forms.CharField(
        required=False,
        max_length=40,
        help_text=(
            "Leave blank for the language's standard tier; `<tier>-extended` for larger limits, or one of the seed's "
            "tiers: wasm-python (Python), server-sql (SQL), wasm-linux (Bash) — wasm-* run on the server for now."
        ),
    )

    class Meta:
        model = Capsule
        fields = [
            "title",
            "capsule_type",
            "language",
            "runtime_tier",
            "difficulty",
            "is_public",
            "problem_statement_md",
            "config_data",
        ]
        labels = {"problem_statement_md": "Statement (Markdown)"}

    def base_capsule_data(self) -> dict[str, Any]:
        """The form's values in the API's BaseCapsule shape, the input of parse_capsule and the services."""
        data = self.cleaned_data
        return {
            "title": data.get("title", ""),
            "capsule_type": data.get("capsule_type", ""),
            "problem_statement_md": data.get("problem_statement_md", ""),
            "runtime_config": {"language": data.get("language", ""), "runtime_tier": data.get("runtime_tier") or None},
            "config_data": data.get("config_data"),
            "difficulty": data.get("difficulty", ""),
            "is_public": bool(data.get("is_public")),
        }

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        try:
            capsule_validate_for_save(data=self.base_capsule_data())
        except ValidationFailed as exc:
            for path, message in exc.fields.items():
                field = _form_field_for(path)
                if field is not None and field in self.errors:
                    continue  # already wrong on its own (e.g. invalid JSON, a required field left blank)
                # The full path stays in the message: `config_data.test_cases[1].expected_output: Field required`.
                self.add_error(field, f"{path}: {message}")
        return cleaned


def _form_field_for(path: str) -> str | None:
    """The form field that shows an error at `path`; None puts it at the top of the form."""
    if path == "config_data" or path.startswith("config_data."):
        return "config_data"
    return _PATH_FIELD.get(path)


class ModerationActionInline(ReadOnlyAdmin, admin.TabularInline):
    """The capsule's moderation history: an audit trail is append-only (shown, never edited)."""

    model = ModerationAction
    fk_name = "capsule"
    verbose_name = "moderation action"
    verbose_name_plural = "moderation history"
    fields = ("actor", "action", "transition", "created_at", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    ordering = ("-created_at",)

    @admin.display(description="from → to")
    def transition(self, obj: ModerationAction) -> str:
        return f"{obj.get_from_status_display()} → {obj.get_to_status_display()}"


def _stored_sql_preview(url: str | None) -> str:
    """Seed SQL named by a config URL, for reading in the admin (a DATABASE capsule's seed or hidden dataset)."""
    if not url:
        return "—"
    try:
        return format_html("<pre>{}</pre>", seed_sql_read(url=url))
    except SeedSqlMissing:
        return f"missing from storage: {url}"


@admin.register(Capsule)
class CapsuleAdmin(admin.ModelAdmin):
    form = CapsuleAdminForm
    list_display = ("title", "capsule_type", "language", "difficulty", "status", "is_public", "creator", "updated_at")
    list_filter = (
        "capsule_type",
        "language",
        "status",
        ("creator", admin.RelatedOnlyFieldListFilter),
        "difficulty",
        "is_public",
    )
    search_fields = ("title", "creator__username")
    list_select_related = ("creator",)
    date_hierarchy = "updated_at"
    ordering = ("-updated_at",)
    actions = ("publish", "reject", "flag", "back_to_draft", "validate_now")
    readonly_fields = (
        "id",
        "creator",
        "status",
        "statement_preview",
        "seed_sql_preview",
        "hidden_seed_sql_preview",
        "validation_report_pretty",
        "created_at",
        "updated_at",
    )

    # --- Change form -------------------------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Capsule | None = None) -> _FieldsetSpec:
        content = (
            "title",
            ("capsule_type", "language", "runtime_tier"),
            ("difficulty", "is_public"),
            "problem_statement_md",
            "config_data",
        )
        if obj is None:
            return [(None, {"fields": content})]
        return [
            ("Moderation", {"fields": (("status", "creator"), ("created_at", "updated_at"), "id")}),
            ("Content", {"fields": content}),
            ("Preview", {"fields": ("statement_preview", "seed_sql_preview", "hidden_seed_sql_preview", "validation_report_pretty")}),
        ]

    def get_inlines(self, request: HttpRequest, obj: Capsule | None) -> list[type[InlineModelAdmin]]:
        return [ModerationActionInline] if obj is not None else []

    @admin.display(description="statement (rendered)")
    def statement_preview(self, obj: Capsule) -> SafeString:
        # render_markdown escapes raw HTML and cleans the result with nh3, so marking it safe is sound.
        return mark_safe(render_markdown(obj.problem_statement_md))  # noqa: S308

    @admin.display(description="validation report")
    def validation_report_pretty(self, obj: Capsule) -> str:
        if obj.validation_report is None:
            return "Not judged yet."
        report = json.dumps(obj.validation_report, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", report)

    @admin.display(description="seed SQL")
    def seed_sql_preview(self, obj: Capsule) -> str:
        return _stored_sql_preview((obj.config_data or {}).get("seed_sql_url"))

    @admin.display(description="hidden dataset (seed SQL, never shown to learners)")
    def hidden_seed_sql_preview(self, obj: Capsule) -> str:
        return _stored_sql_preview((obj.config_data or {}).get("hidden_seed_sql_url"))

    def save_model(self, request: HttpRequest, obj: Capsule, form: CapsuleAdminForm, change: bool) -> None:
        """Save through the services (the admin's own obj.save() would skip their rules).

        1. form.clean already ran the services' checks (capsule_validate_for_save), so they pass here.
        2. On change, capsule_update re-reads the row under a lock and applies its status rules; the creator
           stays. On add, capsule_create makes the staff member the creator and the capsule a draft.
        3. `obj` takes the saved values, so the admin's log entry and redirect describe what was stored.
        """
        data = form.base_capsule_data()
        if change:
            saved = capsule_update(capsule=obj, actor=signed_in_user(request), data=data, source=EditPath.ADMIN)
        else:
            saved = capsule_create(creator=signed_in_user(request), data=data)
        for field in saved._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Capsule) -> None:
        capsule_delete(capsule=obj, actor=signed_in_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Capsule]) -> None:
        for capsule in queryset:
            capsule_delete(capsule=capsule, actor=signed_in_user(request))

    # --- Moderation actions ------------------------------------------------------------------------

    def _moderate(
        self, request: HttpRequest, queryset: QuerySet[Capsule], action: ModerationAction.Action, *, note: str = ""
    ) -> None:
        changed = unchanged = 0
        refused: list[str] = []
        for capsule in queryset.order_by("pk"):
            try:
                record = capsule_moderate(capsule=capsule, actor=signed_in_user(request), action=action, note=note)
            except ApplicationError as exc:
                refused.append(f"“{capsule.title}”: {exc.message.rstrip('.')}")  # the message ends the sentence
                continue
            if record is None:
                unchanged += 1
            else:
                changed += 1
        done, state = _ACTION_WORDS[action]
        message = f"{changed} capsule{'s' if changed != 1 else ''} {done}"
        if unchanged:
            message += f"; {unchanged} {'was' if unchanged == 1 else 'were'} already {state}"
        if refused:
            message += f"; {len(refused)} refused — " + "; ".join(refused)
        self.message_user(request, message + ".", messages.SUCCESS if changed and not refused else messages.WARNING)

    @admin.action(description="Publish selected capsules", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Capsule]) -> None:
        self._moderate(request, queryset, ModerationAction.Action.PUBLISH)

    def _moderate_with_reason(
        self, request: HttpRequest, queryset: QuerySet[Capsule], action: ModerationAction.Action
    ) -> TemplateResponse | None:
        """Reject or flag: first a page asking for the reason (Django's pattern for an action with a
        confirmation step: the page posts the action and the selection back, with `apply`), then the action."""
        form = ModerationReasonForm(request.POST if "apply" in request.POST else None, action=action)
        if form.is_bound and form.is_valid():
            self._moderate(request, queryset, action, note=form.cleaned_data["reason"])
            return None  # back to the changelist, with the message
        done, _ = _ACTION_WORDS[action]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Why are these capsules {done}?",
            "opts": self.model._meta,
            "form": form,
            "capsules": queryset.order_by("pk"),
            "action_name": request.POST.get("action", ""),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "verb": ModerationAction.Action(action).label,
        }
        return TemplateResponse(request, MODERATION_REASON_TEMPLATE, context)

    @admin.action(description="Reject selected capsules", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Capsule]) -> TemplateResponse | None:
        return self._moderate_with_reason(request, queryset, ModerationAction.Action.REJECT)

    @admin.action(description="Flag selected capsules for review", permissions=["change"])
    def flag(self, request: HttpRequest, queryset: QuerySet[Capsule]) -> TemplateResponse | None:
        return self._moderate_with_reason(request, queryset, ModerationAction.Action.FLAG)

    @admin.action(description="Send selected capsules back to draft", permissions=["change"])
    def back_to_draft(self, request: HttpRequest, queryset: QuerySet[Capsule]) -> None:
        self._moderate(request, queryset, ModerationAction.Action.DRAFT)

    # --- The judge ---------------------------------------------------------------------------------

    @admin.action(description="Validate now (run the judge again)", permissions=["change"])
    def validate_now(self, request: HttpRequest, queryset: QuerySet[Capsule]) -> None:
        """Judge each selected capsule again through capsule_validate (which saves the report and status).

        The message: "2 passed, 1 failed: “Broken query” (syntax_error)." — failures named with their
        category, at most _FAILURES_SHOWN of them; the full report is on each capsule's change page. Passes
        whose report carries warnings are counted: "2 passed (1 with warnings), 0 failed".
        """
        passed = warned = 0
        failures: list[str] = []
        for capsule in queryset.order_by("pk"):
            report = capsule_validate(capsule=capsule, actor=signed_in_user(request))
            if report["passed"]:
                passed += 1
                warned += bool(report.get("warnings"))
            else:
                failures.append(f"“{capsule.title}” ({report['category']})")
        message = f"{passed} passed" + (f" ({warned} with warnings)" if warned else "") + f", {len(failures)} failed"
        if failures:
            shown = ", ".join(failures[:_FAILURES_SHOWN])
            more = len(failures) - _FAILURES_SHOWN
            message += f": {shown}" + (f", and {more} more" if more > 0 else "")
        self.message_user(request, message + ".", messages.WARNING if failures or warned else messages.SUCCESS)


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The moderation audit trail across all capsules; read-only."""

    list_display = ("created_at", "capsule", "actor", "action", "from_status", "to_status", "note")
    list_filter = ("action", "to_status", ("actor", admin.RelatedOnlyFieldListFilter))
    search_fields = ("capsule__title", "actor__username", "note")
    list_select_related = ("capsule", "actor")
    date_hierarchy = "created_at"
