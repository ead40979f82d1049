"""Creator edits in the admin: a read-only record of every correction (staff only, as the whole admin is)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import SafeString

from codecapsule.admin import ReadOnlyAdmin
from feedback.models import CreatorEdit, FineTuneJob, NetCorrection

# Characters of a value shown in the list; the change page shows it whole.
_LIST_VALUE_CHARS = 80


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) if not isinstance(value, str) else value


def _shortened(value: Any) -> str:
    text = " ".join(_json_text(value).split()) if value is not None else "—"
    return text if len(text) <= _LIST_VALUE_CHARS else text[: _LIST_VALUE_CHARS - 1] + "…"


@admin.register(CreatorEdit)
class CreatorEditAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("created_at", "capsule", "field_path", "edit_type", "source", "agent", "creator", "original", "corrected")
    list_filter = ("edit_type", "source", "capsule_type", "language", "agent")
    search_fields = ("capsule__title", "field_path", "creator__username")
    list_select_related = ("capsule", "creator")
    date_hierarchy = "created_at"
    fields = (
        ("capsule", "creator"),
        ("field_path", "edit_type", "source"),
        ("generation_job", "agent"),
        ("capsule_type", "language"),
        ("created_at", "reported_at"),
        "original_value_pretty",
        "corrected_value_pretty",
    )
    readonly_fields = tuple(name for row in fields for name in (row if isinstance(row, tuple) else (row,)))

    @admin.display(description="original")
    def original(self, obj: CreatorEdit) -> str:
        return _shortened(obj.original_value)

    @admin.display(description="corrected")
    def corrected(self, obj: CreatorEdit) -> str:
        return _shortened(obj.corrected_value)

    @admin.display(description="original value")
    def original_value_pretty(self, obj: CreatorEdit) -> SafeString | str:
        return format_html("<pre>{}</pre>", _json_text(obj.original_value)) if obj.original_value is not None else "— (added)"

    @admin.display(description="corrected value")
    def corrected_value_pretty(self, obj: CreatorEdit) -> SafeString | str:
        return format_html("<pre>{}</pre>", _json_text(obj.corrected_value)) if obj.corrected_value is not None else "— (removed)"


@admin.register(NetCorrection)
class NetCorrectionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """What counts as a correction: what the AI wrote against the latest validated value (feedback.edits.net).
    Read-only: the rows are recomputed by every save that leaves the capsule validated."""

    list_display = ("corrected_at", "capsule", "field_path", "edit_type", "agent", "original", "corrected")
    list_filter = ("edit_type", "capsule_type", "language", "agent")
    search_fields = ("capsule__title", "field_path")
    list_select_related = ("capsule",)
    date_hierarchy = "corrected_at"
    fields = (
        ("capsule", "field_path", "edit_type"),
        ("generation_job", "agent"),
        ("capsule_type", "language", "corrected_at"),
        "original_value_pretty",
        "corrected_value_pretty",
    )
    readonly_fields = tuple(name for row in fields for name in (row if isinstance(row, tuple) else (row,)))

    original = CreatorEditAdmin.original
    corrected = CreatorEditAdmin.corrected
    original_value_pretty = CreatorEditAdmin.original_value_pretty
    corrected_value_pretty = CreatorEditAdmin.corrected_value_pretty


@admin.register(FineTuneJob)
class FineTuneJobAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: jobs are started, polled and chosen for the Coder through feedback.finetune.services (the dashboard
    or manage.py start_fine_tune), never edited by hand."""

    list_display = ("created_at", "provider", "base_model", "status", "fine_tuned_model", "examples", "used_for_coder")
    list_filter = ("status", "provider", "used_for_coder")
    search_fields = ("provider_job_id", "fine_tuned_model", "base_model")
