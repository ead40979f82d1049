"""Writes of capsules. Every path — API, dashboard forms, admin, import — calls these functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from capsules.hooks import judge_capsule, notify_capsule_edited
from capsules.models import Capsule, CapsuleStatus, ModerationAction
from capsules.schemas import CapsuleDraft, CapsuleValidationError, DatabaseConfig, parse_capsule
from capsules.selectors import capsule_base_dict
from capsules.seed_sql import seed_sql_exists, seed_sql_name, seed_sql_store
from codecapsule.errors import ApplicationError, ValidationFailed

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
        raise ValidationFailed.for_fields(exc.errors) from exc


def _stored_config_data(draft: CapsuleDraft) -> dict[str, Any]:
    """config_data as it is saved: inline seed SQL moves into storage and is referred to by URL."""
    config_data = draft.config_data()
    if isinstance(draft.config, DatabaseConfig):
        seed_sql = config_data.pop("seed_sql", None)
        if seed_sql and seed_sql.strip():
            config_data["seed_sql_url"] = seed_sql_store(sql=seed_sql)
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


# The judge's category for "could not run at all": it says nothing about the capsule itself.
INCONCLUSIVE_CATEGORY = "sandbox_error"


def status_after_judging(current: str, *, passed: bool, conclusive: bool = True) -> str:
    """The status rule of the quality gate, the same on every path.

    A pass makes a capsule `validated` (a published one stays published); a failure takes it back to
    `draft`, because what learners see must be what was proven. Moderation states (rejected, flagged)
    stay until a moderator changes them, and an inconclusive judgement (the sandbox could not run)
    changes nothing: an outage must not unpublish capsules nothing was proven wrong with.
    """
    if current in (CapsuleStatus.REJECTED, CapsuleStatus.FLAGGED) or not conclusive:
        return current
    if not passed:
        return CapsuleStatus.DRAFT
    return CapsuleStatus.PUBLISHED if current == CapsuleStatus.PUBLISHED else CapsuleStatus.VALIDATED


def _status_from_report(current: str, report: Mapping[str, Any]) -> str:
    return status_after_judging(
        current, passed=report["passed"], conclusive=report.get("category") != INCONCLUSIVE_CATEGORY
    )


def capsule_create(*, creator: AbstractBaseUser, data: Mapping[str, Any], capsule_id: UUID | None = None) -> Capsule:
    """Validate, judge and save a new capsule owned by `creator`: `validated` if the judge passes it,
    else a `draft` that carries the judge's report."""
    draft = capsule_validate_for_save(data=data)
    report = judge_capsule(draft)
    values = _draft_values(draft)
    status = _status_from_report(CapsuleStatus.DRAFT, report)
    with transaction.atomic():
        capsule = Capsule(creator=creator, status=status, validation_report=report, **values)
        if capsule_id is not None:
            capsule.id = capsule_id
        capsule.save(force_insert=True)
    return capsule


def _ensure_can_edit(capsule: Capsule, actor: AbstractBaseUser) -> None:
    if capsule.creator_id != actor.pk and not actor.is_staff:
        raise PermissionDenied("Only the capsule's creator can change it.")


def capsule_update(*, capsule: Capsule, actor: AbstractBaseUser, data: Mapping[str, Any], source: str = "api") -> Capsule:
    """Validate the full new state and save it; changed content is judged again (status_after_judging).

    Judging runs before the write transaction (it takes a sandbox run), so no lock is held meanwhile.
    After the write, in the same transaction, the edit listeners (capsules.hooks) get the capsule before and
    after; `source` tells them which path the edit came through (dashboard, api, admin, import, or seed for
    seed_demo putting demo data back).
    """
    _ensure_can_edit(capsule, actor)
    draft = capsule_validate_for_save(data=data)
    values = _draft_values(draft)
    current = Capsule.objects.get(pk=capsule.pk)
    content_changed = any(getattr(current, field) != values[field] for field in _CONTENT_FIELDS)
    report = judge_capsule(draft) if content_changed else None
    with transaction.atomic():
        locked = Capsule.objects.select_for_update().get(pk=capsule.pk)
        before, previous_report = capsule_base_dict(locked), locked.validation_report
        for field, value in values.items():
            setattr(locked, field, value)
        if report is not None:
            locked.validation_report = report
            locked.status = _status_from_report(locked.status, report)
        locked.save()
        notify_capsule_edited(
            capsule=locked,
            actor=actor,
            source=source,
            before=before,
            after=capsule_base_dict(locked),
            previous_report=previous_report,
        )
    return locked


def capsule_validate(*, capsule: Capsule, actor: AbstractBaseUser) -> dict[str, Any]:
    """Judge a saved capsule again and record the report and the resulting status (validate API, admin,
    revalidate command). Returns the report."""
    _ensure_can_edit(capsule, actor)
    report = judge_capsule(capsule_base_dict(capsule))
    with transaction.atomic():
        locked = Capsule.objects.select_for_update().get(pk=capsule.pk)
        locked.validation_report = report
        locked.status = _status_from_report(locked.status, report)
        locked.save(update_fields=["validation_report", "status", "updated_at"])
    capsule.validation_report, capsule.status = locked.validation_report, locked.status
    return report


def capsule_delete(*, capsule: Capsule, actor: AbstractBaseUser) -> None:
    _ensure_can_edit(capsule, actor)
    capsule.delete()


def capsule_moderate(
    *, capsule: Capsule, actor: AbstractBaseUser, action: str, note: str = ""
) -> ModerationAction | None:
    """Set a capsule's moderation status and record who did it and when. Staff only.

    Returns None (and records nothing) when the capsule already has the target status. Publishing needs a
    passing judge report: learners only ever see capsules that were proven to work.
    """
    if not actor.is_staff:
        raise PermissionDenied("Only staff can moderate capsules.")
    target = _MODERATION_TARGET[ModerationAction.Action(action)]
    with transaction.atomic():
        locked = Capsule.objects.select_for_update().get(pk=capsule.pk)
        if locked.status == target:
            return None
        if target == CapsuleStatus.PUBLISHED and not (locked.validation_report or {}).get("passed"):
            raise ApplicationError(
                "Only a capsule that passed the judge can be published: validate it first.", code="not_validated"
            )
        record = ModerationAction.objects.create(
            capsule=locked, actor=actor, action=action, from_status=locked.status, to_status=target, note=note
        )
        locked.status = target
        locked.save(update_fields=["status", "updated_at"])
    capsule.status = target
    return record


# --- Import (manage.py import_capsules) and checks shared with the admin form -------------------------


def capsule_validate_for_save(*, data: Any) -> CapsuleDraft:
    """Everything the save path checks, without saving anything (create, update, admin form, import).

    1. parse_capsule, through capsule_validate_input: the schema errors, as field paths.
    2. A DATABASE capsule without inline `seed_sql` must name seed SQL that is stored here, or it could
       never be judged (e.g. a record exported elsewhere without its seed SQL).
    """
    draft = capsule_validate_input(data=data)
    if isinstance(draft.config, DatabaseConfig) and not (draft.config.seed_sql or "").strip():
        url = draft.config.seed_sql_url
        if seed_sql_name(url) is None:
            message = "does not name seed SQL stored by CodeCapsule; send seed_sql instead"
        elif not seed_sql_exists(url=url):
            message = "names seed SQL that is not stored here; include seed_sql in the record"
        else:
            return draft
        raise ValidationFailed.for_fields({"config_data.seed_sql_url": message})
    return draft


class ImportOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"


@dataclass(frozen=True)
class CapsuleImportResult:
    outcome: ImportOutcome
    capsule_id: UUID | None  # None only for a dry run of a record without an id
    capsule: Capsule | None  # None for a dry run


def _import_id(data: Mapping[str, Any]) -> tuple[UUID | None, str | None]:
    raw = data.get("id")
    if raw is None or raw == "":
        return None, None
    try:
        return UUID(str(raw)), None
    except ValueError:
        return None, "is not a valid UUID"


def capsule_import(*, owner: AbstractBaseUser, data: Any, dry_run: bool = False) -> CapsuleImportResult:
    """Import one BaseCapsule record (an export line) as `owner`'s capsule.

    1. The record must be a JSON object; its `id`, when present, must be a UUID.
    2. Everything is validated as the save path would (capsule_validate_for_save); all errors are reported
       together, `id` first, as field paths.
    3. An `id` that exists must belong to `owner` (it is then updated through capsule_update, whose status
       rules apply); an `id` owned by someone else is refused; a new `id` is kept (capsule_create).
    4. Read-only keys of the export shape are ignored: creator_id (the owner decides), created_at,
       updated_at, and status — the judge decides it on this installation, as on every save.
    5. With dry_run nothing is written (not even seed SQL files); the outcome says what would happen.
    Each record is saved in its own transaction (capsule_create / capsule_update), so a bad record never
    leaves half of itself behind; no lock is held while the judge runs.
    """
    if not isinstance(data, Mapping):
        raise ValidationFailed("The record was rejected.", fields={"__all__": "expected a JSON object"})
    errors: dict[str, str] = {}
    capsule_id, id_error = _import_id(data)
    if id_error:
        errors["id"] = id_error
    if capsule_id is not None:
        existing_creator = Capsule.objects.filter(pk=capsule_id).values_list("creator_id", flat=True).first()
        if existing_creator is not None and existing_creator != owner.pk:
            errors["id"] = "belongs to another creator"
    else:
        existing_creator = None
    try:
        capsule_validate_for_save(data=data)
    except ValidationFailed as exc:
        errors.update({path: message for path, message in exc.fields.items() if path not in errors})
    if errors:
        raise ValidationFailed("The record was rejected.", fields=errors)

    if dry_run:
        outcome = ImportOutcome.UPDATED if existing_creator is not None else ImportOutcome.CREATED
        return CapsuleImportResult(outcome=outcome, capsule_id=capsule_id, capsule=None)

    existing = Capsule.objects.filter(pk=capsule_id).first() if capsule_id is not None else None
    if existing is None:
        capsule = capsule_create(creator=owner, data=data, capsule_id=capsule_id)
        return CapsuleImportResult(outcome=ImportOutcome.CREATED, capsule_id=capsule.pk, capsule=capsule)
    if existing.creator_id != owner.pk:  # it changed hands since the check above
        raise ValidationFailed("The record was rejected.", fields={"id": "belongs to another creator"})
    capsule = capsule_update(capsule=existing, actor=owner, data=data, source="import")
    return CapsuleImportResult(outcome=ImportOutcome.UPDATED, capsule_id=capsule.pk, capsule=capsule)


def capsule_differs_from(*, capsule: Capsule, data: Any) -> bool:
    """Would saving `data` change the capsule's content or visibility? (seed_demo stays idempotent with it.)

    Inline seed SQL is compared by the URL it would be stored under; storing it is content-addressed, so
    doing so here is harmless and makes the comparison exact.
    """
    values = _draft_values(capsule_validate_input(data=data))
    return any(getattr(capsule, field) != value for field, value in values.items())
