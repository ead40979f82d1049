"""Generation jobs in the admin: read-only, with their agent steps inline.

Jobs are written by the generation services and the pipeline only, so the admin neither adds, changes nor
deletes them or their steps; staff read them (filter by status, type, language, provider; search prompts,
creators and errors) and open the metrics page from the job list (its "Metrics" button).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from codecapsule.admin import ReadOnlyAdmin
from generation.models import AgentStep, GenerationJob


def _pretty_json(value: Any) -> SafeString | str:
    if value in (None, "", [], {}):
        return "—"
    return format_html('<pre class="generation-admin-json">{}</pre>', json.dumps(value, ensure_ascii=False, indent=2))


class AgentStepInline(ReadOnlyAdmin, admin.StackedInline):
    model = AgentStep
    extra = 0
    can_delete = False
    show_change_link = False
    ordering = ("position",)
    fields = (
        ("position", "agent", "model", "parsed_ok"),
        ("latency_ms", "prompt_tokens", "completion_tokens", "error_kind"),
        "summary",
        "error",
        "report_pretty",
        "output_pretty",
        "prompt_pretty",
        "raw_response",
    )
    readonly_fields = (
        "position", "agent", "model", "parsed_ok", "latency_ms", "prompt_tokens", "completion_tokens", "error_kind",
        "summary", "error", "report_pretty", "output_pretty", "prompt_pretty", "raw_response",
    )  # fmt: skip

    @admin.display(description="Judge report")
    def report_pretty(self, step: AgentStep) -> SafeString | str:
        return _pretty_json(step.report)

    @admin.display(description="Parsed output")
    def output_pretty(self, step: AgentStep) -> SafeString | str:
        return _pretty_json(step.output)

    @admin.display(description="Prompt (messages sent)")
    def prompt_pretty(self, step: AgentStep) -> SafeString | str:
        return _pretty_json(step.prompt)


@admin.register(GenerationJob)
class GenerationJobAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    change_list_template = "generation/admin_job_change_list.html"
    inlines = [AgentStepInline]
    list_display = (
        "created_at",
        "creator",
        "capsule_type",
        "language",
        "difficulty",
        "status",
        "heals",
        "quality_score",
        "provider",
        "duration",
        "error_category",
    )
    list_filter = ("status", "capsule_type", "language", "provider", "difficulty", "error_category", "created_at")
    search_fields = ("prompt", "creator__username", "creator__email", "error")
    date_hierarchy = "created_at"
    list_select_related = ("creator",)
    fieldsets = (
        ("Request", {"fields": ("id", "creator", "capsule_type", "language", "difficulty", "prompt", "provider", "retry_of")}),
        (
            "Outcome",
            {
                "fields": (
                    "status", "stage", "heals", "quality_score", "result_capsule_link", "statement_check_text", "error",
                    "error_category", "last_report_pretty",
                )
            },
        ),
        ("Timing", {"fields": ("created_at", "started_at", "finished_at", "duration", "llm_seconds", "judge_seconds")}),
        ("Tokens", {"fields": ("prompt_tokens", "completion_tokens")}),
    )
    readonly_fields = (
        "id", "creator", "capsule_type", "language", "difficulty", "prompt", "provider", "retry_of",
        "status", "stage", "heals", "quality_score", "result_capsule_link", "error", "error_category",
        "last_report_pretty", "created_at", "started_at", "finished_at", "duration", "llm_seconds", "judge_seconds",
        "statement_check_text", "prompt_tokens", "completion_tokens",
    )  # fmt: skip

    @admin.display(description="Time (s)")
    def duration(self, job: GenerationJob) -> str:
        seconds = job.total_seconds
        return "—" if seconds is None else f"{seconds:.1f}"

    @admin.display(description="Result capsule")
    def result_capsule_link(self, job: GenerationJob) -> SafeString | str:
        if job.result_capsule_id is None:
            return "—"
        url = reverse("admin:capsules_capsule_change", args=[job.result_capsule_id])
        return format_html('<a href="{}">{}</a>', url, job.result_capsule)

    @admin.display(description="Statement check")
    def statement_check_text(self, job: GenerationJob) -> str:
        check = job.statement_check or {}
        return f"{check.get('status', '')}: {check.get('message', '')}" if check else "—"

    @admin.display(description="Last judge report")
    def last_report_pretty(self, job: GenerationJob) -> SafeString | str:
        return _pretty_json(job.last_report)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        extra_context = {**(extra_context or {}), "metrics_url": reverse("generation:metrics")}
        return super().changelist_view(request, extra_context=extra_context)
