"""Reads of capsules: visibility rules, access helpers and the BaseCapsule dictionary shape."""

from __future__ import annotations

from contextlib import suppress
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404

from capsules.models import Capsule, CapsuleType
from capsules.seed_sql import SeedSqlMissing, seed_sql_read
from codecapsule.http import User


def capsules_readable_by(user: User) -> QuerySet[Capsule]:
    """A user reads their own capsules and everyone's published public ones; anonymous only the latter
    (the one rule: Capsule.objects.visible_to)."""
    return Capsule.objects.visible_to(user)


def capsules_owned_by(user: User) -> QuerySet[Capsule]:
    if not user.is_authenticated:
        return Capsule.objects.none()
    return Capsule.objects.filter(creator=user)


def capsule_list(
    *,
    queryset: QuerySet[Capsule],
    capsule_type: str = "",
    language: str = "",
    status: str = "",
    difficulty: str = "",
    search: str = "",
) -> QuerySet[Capsule]:
    """Filters shared by the dashboard list and the API list. Empty values mean "any"."""
    if capsule_type:
        queryset = queryset.filter(capsule_type=capsule_type)
    if language:
        queryset = queryset.filter(language=language)
    if status:
        queryset = queryset.filter(status=status)
    if difficulty:
        queryset = queryset.filter(difficulty=difficulty)
    if search:
        queryset = queryset.filter(title__icontains=search.strip())
    return queryset.order_by("-created_at", "id")


def get_capsule_for_reader(user: User, capsule_id: UUID | str) -> Capsule:
    """The capsule if the user may read it (capsules_readable_by); 404 otherwise, also for one that exists
    but is not readable: we do not reveal that a private one exists."""
    try:
        return capsules_readable_by(user).select_related("creator").get(pk=capsule_id)
    except (Capsule.DoesNotExist, ValidationError, ValueError):
        raise Http404("Capsule not found") from None


def get_capsule_for_owner(user: User, capsule_id: UUID | str) -> Capsule:
    """The capsule if the user owns it; 404 if they cannot even read it, 403 if they can but do not own it."""
    capsule = get_capsule_for_reader(user, capsule_id)
    if not user.is_authenticated or capsule.creator_id != user.pk:
        raise PermissionDenied("Only the capsule's creator can change it.")
    return capsule


def capsule_base_dict(capsule: Capsule, *, include_seed_sql: bool = False) -> dict[str, Any]:
    """The seed's BaseCapsule shape plus our extra fields.

    include_seed_sql inlines the stored seed SQL into a DATABASE config — the visible seed as `seed_sql` and
    the hidden dataset, when there is one, as `hidden_seed_sql` — so that an export carries everything needed
    to import the capsule on another installation. SQL missing from storage is left out (the URL stays).
    """
    config_data = dict(capsule.config_data)
    if include_seed_sql and capsule.capsule_type == CapsuleType.DATABASE:
        urls = {"seed_sql": config_data.get("seed_sql_url", "")}
        if config_data.get("hidden_seed_sql_url"):  # a capsule without a hidden dataset has no such key
            urls["hidden_seed_sql"] = config_data["hidden_seed_sql_url"]
        for text_key, url in urls.items():
            with suppress(SeedSqlMissing):
                config_data[text_key] = seed_sql_read(url=url)
    return {
        "id": str(capsule.id),
        "title": capsule.title,
        "capsule_type": capsule.capsule_type,
        "problem_statement_md": capsule.problem_statement_md,
        "runtime_config": {"language": capsule.language, "runtime_tier": capsule.runtime_tier},
        "config_data": config_data,
        "creator_id": str(capsule.creator_id),
        "created_at": capsule.created_at.isoformat().replace("+00:00", "Z"),
        "difficulty": capsule.difficulty,
        "status": capsule.status,
        "is_public": capsule.is_public,
        "updated_at": capsule.updated_at.isoformat().replace("+00:00", "Z"),
    }
