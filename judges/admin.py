"""Learners' terminal workspaces in the admin: what exists and when it expires (read-only; the archive itself is
learner data, never shown). judges.workspace owns every change; expire_workspaces removes old ones."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from judges.models import TerminalWorkspace


@admin.register(TerminalWorkspace)
class TerminalWorkspaceAdmin(admin.ModelAdmin):
    list_display = ("capsule", "learner_key", "cwd", "size", "updated_at", "expires_at")
    search_fields = ("capsule__title", "learner_key")
    exclude = ("archive",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
