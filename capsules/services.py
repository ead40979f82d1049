"""Writes of capsules. Every path — API, dashboard forms, admin, import — calls these functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from capsules.models import Capsule, CapsuleStatus, ModerationAction
from capsules.schemas import CapsuleDraft, CapsuleValidationError, DatabaseConfig, parse_capsule
from capsules.seed_sql import seed_sql_name, seed_sql_store
from codecapsule.errors import ValidationFailed

# The fields of the model a draft writes. is_public is a visibility switch, not content.
_CONTENT_FIELDS = ("title", "capsule_type", "problem_statement_md", "language", "runtime_tier", "difficulty", "config_data")

_MODERATION_TARGET = {
    ModerationAction.Action.PUBLISH: CapsuleStatus.PUBLISHED,
    ModerationAction.Action.REJECT: CapsuleStatus.REJECTED,
    ModerationAction.Action.FLAG: CapsuleStatus.FLAGGED,
    ModerationAction.Action.DRAFT: CapsuleStatus.DRAFT,
}


def capsule_validate_input(*, data: Any) -> CapsuleDraft:
    """parse_capsule with its errors turned into the application's ValidationFailed (HTTP 400)."""
    try:
        return parse_capsule(data)
    except CapsuleValidationError as exc:
        raise ValidationFailed("The capsule is not valid.", fields=exc.errors) from exc


def _stored_config_data(draft: CapsuleDraft) -> dict[str, Any]:
    """config_data as it is saved: inline seed SQL moves into storage and is referred to by URL."""
    config_data = draft.config_data()
    if isinstance(draft.config, DatabaseConfig):
        seed_sql = config_data.pop("seed_sql", None)
        if seed_sql and seed_sql.strip():
            config_data["seed_sql_url"] = seed_sql_store(sql=seed_sql)
        elif seed_sql_name(config_data.get("seed_sql_url", "")) is None:
            raise ValidationFailed(
                "The capsule is not valid.",
                fields={"config_data.seed_sql_url": "does not name seed SQL stored by CodeCapsule; send seed_sql instead"},
            )
    return config_data


def _draft_values(draft: CapsuleDraft) -> dict[str, Any]:
    return {
        "title": draft.title,
        "capsule_type": draft.capsule_type,
        "problem_statement_md": draft.problem_statement_md,
        "language": draft.language,
        "runtime_tier": draft.runtime_tier,
        "difficulty": draft.difficulty,
        "config_data": _stored_config_data(draft),
        "is_public": draft.is_public,
    }


def capsule_create(*, creator: AbstractBaseUser, data: Mapping[str, Any], capsule_id: UUID | None = None) -> Capsule:
    """Validate and save a new capsule owned by `creator`. It starts as a draft."""
    draft = capsule_validate_input(data=data)
    values = _draft_values(draft)
    with transaction.atomic():
        capsule = Capsule(creator=creator, status=CapsuleStatus.DRAFT, **values)
        if capsule_id is not None:
            capsule.id = capsule_id
        capsule.save(force_insert=True)
    return capsule


def _ensure_can_edit(capsule: Capsule, actor: AbstractBaseUser) -> None:
    if capsule.creator_id != actor.pk and not actor.is_staff:
        raise PermissionDenied("Only the capsule's creator can change it.")


def capsule_update(*, capsule: Capsule, actor: AbstractBaseUser, data: Mapping[str, Any]) -> Capsule:
    """Validate the full new state and save it.

    A change of content takes away a `validated` or `published` status: what learners see must be what
    was proven. Moderation states (rejected, flagged) stay until a moderator changes them.
    """
    _ensure_can_edit(capsule, actor)
    draft = capsule_validate_input(data=data)
    values = _draft_values(draft)
    with transaction.atomic():
        locked = Capsule.objects.select_for_update().get(pk=capsule.pk)
        content_changed = any(getattr(locked, field) != values[field] for field in _CONTENT_FIELDS)
        for field, value in values.items():
            setattr(locked, field, value)
        if content_changed and locked.status in (CapsuleStatus.VALIDATED, CapsuleStatus.PUBLISHED):
            locked.status = CapsuleStatus.DRAFT
        locked.save()
    return locked


def capsule_delete(*, capsule: Capsule, actor: AbstractBaseUser) -> None:
    _ensure_can_edit(capsule, actor)
    capsule.delete()


def capsule_moderate(
    *, capsule: Capsule, actor: AbstractBaseUser, action: str, note: str = ""
) -> ModerationAction | None:
    """Set a capsule's moderation status and record who did it and when. Staff only.

    Returns None (and records nothing) when the capsule already has the target status.
    """
    if not actor.is_staff:
        raise PermissionDenied("Only staff can moderate capsules.")
    target = _MODERATION_TARGET[ModerationAction.Action(action)]
    with transaction.atomic():
        locked = Capsule.objects.select_for_update().get(pk=capsule.pk)
        if locked.status == target:
            return None
        record = ModerationAction.objects.create(
            capsule=locked, actor=actor, action=action, from_status=locked.status, to_status=target, note=note
        )
        locked.status = target
        locked.save(update_fields=["status", "updated_at"])
    capsule.status = target
    return record
