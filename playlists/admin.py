"""Admin for playlists: staff look at any playlist and its steps, and unlist public ones.

The admin edits nothing itself (every write goes through the services): items are read
only, and the one action calls playlist_unlist. Creators change their playlists in the builder or the API.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from codecapsule.http import signed_in_user
from playlists.models import LearnerDraft, LearnerProgress, Playlist, PlaylistItem
from playlists.services import playlist_unlist


class PlaylistItemInline(admin.TabularInline):
    model = PlaylistItem
    fields = ("order", "capsule", "created_at")
    readonly_fields = fields
    ordering = ("order",)
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Playlist | None = None) -> bool:
        return False


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    list_display = ("title", "creator", "is_public", "steps", "updated_at")
    list_filter = ("is_public",)
    search_fields = ("title", "description", "creator__username")
    readonly_fields = ("playlist_id", "creator", "title", "description", "is_public", "version", "created_at", "updated_at")
    inlines = [PlaylistItemInline]
    actions = ["unlist"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Playlist]:
        return super().get_queryset(request).select_related("creator").annotate(step_count=Count("items"))

    @admin.display(description="Steps", ordering="step_count")
    def steps(self, playlist: Playlist) -> int:
        return playlist.step_count

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Playlist | None = None) -> bool:
        return False

    @admin.action(description="Unlist (make private: out of the gallery, embed codes keep working)")
    def unlist(self, request: HttpRequest, queryset: QuerySet[Playlist]) -> None:
        changed = sum(playlist_unlist(playlist=playlist, actor=signed_in_user(request)) for playlist in queryset)
        messages.success(request, f"Unlisted {changed} playlist(s).")


@admin.register(LearnerProgress)
class LearnerProgressAdmin(admin.ModelAdmin):
    list_display = ("playlist", "learner_key", "position", "completed_at", "updated_at")
    readonly_fields = ("playlist", "learner_key", "position", "completed_items", "completed_at", "started_at", "updated_at")
    search_fields = ("playlist__title",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LearnerProgress | None = None) -> bool:
        return False


@admin.register(LearnerDraft)
class LearnerDraftAdmin(admin.ModelAdmin):
    """Read only: a draft is the learner's own work in progress, written by services.draft_save alone."""

    list_display = ("learner_key", "capsule", "updated_at")
    readonly_fields = ("learner_key", "capsule", "code", "updated_at")
    search_fields = ("learner_key", "capsule__title")
    list_select_related = ("capsule",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LearnerDraft | None = None) -> bool:
        return False
