"""`ReadOnlyAdmin`, shared by the apps' admins.

Audit trails (moderation actions, creator edits) and records the system writes (generation jobs and their
agent steps, net corrections, fine-tuning jobs) are never edited by hand: a hand edit would falsify what
happened, or fight the service that owns the row. Staff read them in the admin; nobody adds, changes or
deletes them there. Admins that allow some of these (deleting a learner's progress, unlisting a playlist)
write their permissions out instead.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ReadOnlyAdmin:
    """Mix into a ModelAdmin or an inline (before it) to show its rows and nothing else.

    `obj` is optional everywhere because Django passes it to an inline's has_add_permission but not to a
    ModelAdmin's."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
