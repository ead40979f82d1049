"""Writes of capsules. Every path — API, dashboard forms, admin, import — calls these functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction

from capsules.hooks import (
    INCONCLUSIVE_CATEGORY,
    MISSING_HIDDEN_DATASET_CATEGORY,
    EditPath,
    judge_capsule,
    notify_capsule_edited,
)
from capsules.models import MODERATED_STATUSES, Capsule, CapsuleStatus, ModerationAction
from capsules.schemas import CapsuleDraft, CapsuleValidationError, DatabaseConfig, parse_capsule
from capsules.seed_sql import seed_sql_exists, seed_sql_name, seed_sql_store
from capsules.selectors import capsule_base_dict
from codecapsule.errors import ApplicationError, ErrorCode, ValidationFailed
from codecapsule.http import SignedInUser

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


# DATABASE: each inline SQL text (write-only) and the URL key that names it once it is stored.
_STORED_SQL_KEYS = (("seed_sql", "seed_sql_url"), ("hidden_seed_sql", "hidden_seed_sql_url"))


def _stored_config_data(draft: CapsuleDraft) -> dict[str, Any]:
    """config_data as it is saved: inline seed SQL (the visible seed and the hidden dataset) moves into storage
    and is referred to by URL."""
    config_data = draft.config_data()
    if isinstance(draft.config, DatabaseConfig):
        for text_key, url_key in _STORED_SQL_KEYS:
            sql = config_data.pop(text_key, None)
            if sql and sql.strip():
                config_data[url_key] = seed_sql_store(sql=sql)
        # No hidden dataset is stored as no key, as in every capsule saved before hidden datasets existed:
        # an empty URL would otherwise count as a change of those capsules (a re-judgement, an edit record).
        if not config_data.get("hidden_seed_sql_url"):
            config_data.pop("hidden_seed_sql_url", None)
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


def capsule_create(
    *, creator: SignedInUser, data: Mapping[str, Any], capsule_id: UUID | None = None, prejudged: dict[str, Any] | None = None
) -> Capsule:
    """Validate, judge and save a new capsule owned by `creator`: `validated` if the judge passes it,
    else a `draft` that carries the judge's report. `prejudged`: the report capsule_prejudge made of this very
    data (an import judges every record before its one transaction)."""
    draft = capsule_validate_for_save(data=data)
    report = prejudged if prejudged is not None else judge_capsule(draft, new=True)
    values = _draft_values(draft)
    status = _status_from_report(CapsuleStatus.DRAFT, report)
    with transaction.atomic():
        capsule = Capsule(creator=creator, status=status, validation_report=report, **values)
        if capsule_id is not None:
            capsule.id = capsule_id
        capsule.save(force_insert=True)
    return capsule


def _ensure_can_edit(capsule: Capsule, actor: SignedInUser) -> None:
    if capsule.creator_id != actor.pk and not actor.is_staff:
        raise PermissionDenied("Only the capsule's creator can change it.")


def capsule_update(
    *,
    capsule: Capsule,
    actor: SignedInUser,
    data: Mapping[str, Any],
    source: EditPath = EditPath.API,
    prejudged: dict[str, Any] | None = None,
) -> Capsule:
    """Validate the full new state and save it; changed content is judged again (status_after_judging).

    Judging runs before the write transaction (it takes a sandbox run), so no lock is held meanwhile; a caller
    that holds a transaction of its own judges first and passes the report as `prejudged` (capsule_prejudge).
    After the write, in the same transaction, the edit listeners (capsules.hooks) get the capsule before and
    after; `source` tells them which path the edit came through (dashboard, api, admin, import, or seed for
    seed_demo putting demo data back).
    """
    _ensure_can_edit(capsule, actor)
    draft = capsule_validate_for_save(data=data)
    values = _draft_values(draft)
    current = Capsule.objects.get(pk=capsule.pk)
    report = None
    if _content_changed(current, values):
        report = prejudged if prejudged is not None else judge_capsule(draft, new=_held_to_new_rules(current))
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


def _content_changed(current: Capsule, values: Mapping[str, Any]) -> bool:
    return any(getattr(current, field) != values[field] for field in _CONTENT_FIELDS)


def capsule_prejudge(*, data: Mapping[str, Any], existing: Capsule | None) -> dict[str, Any] | None:
    """The report capsule_create (`existing` None) or capsule_update of `existing` would judge `data` to, made
    now, outside any transaction; None when the update would not judge (its content stays the same)."""
    draft = capsule_validate_for_save(data=data)
    if existing is None:
        return judge_capsule(draft, new=True)
    if not _content_changed(existing, _draft_values(draft)):
        return None
    return judge_capsule(draft, new=_held_to_new_rules(existing))



def _held_to_new_rules(capsule: Capsule) -> bool:
    """Whether judging a saved capsule again applies the rules for new capsules (`judge_capsule(new=...)`).

    A saved capsule is judged as an existing one: a DATABASE capsule from before hidden datasets existed
    keeps passing without one (its report warns). The exception is a capsule the gate has refused for
    lacking a hidden dataset (it was new then): judged as existing, merely saving it again or validating it
    would let it through without one.
    """
    return (capsule.validation_report or {}).get("category") == MISSING_HIDDEN_DATASET_CATEGORY


def capsule_check(*, draft: CapsuleDraft, existing: Capsule | None) -> tuple[str, dict[str, Any]]:
    """What saving `draft` (checked by capsule_validate_for_save) would do, without writing anything: the status
    it would give the capsule and the judge's report, under the rules that save would apply (a new capsule's
    for `existing` None). The edit page's Check and the validate API's dry run."""
    report = judge_capsule(draft, new=existing is None or _held_to_new_rules(existing))
    return _status_from_report(existing.status if existing else CapsuleStatus.DRAFT, report), report


def capsule_validate(*, capsule: Capsule, actor: SignedInUser) -> dict[str, Any]:
    """Judge a saved capsule again and record the report and the resulting status (validate API, admin,
    revalidate command). Returns the report."""
    _ensure_can_edit(capsule, actor)
    report = judge_capsule(capsule_base_dict(capsule), new=_held_to_new_rules(capsule))
    with transaction.atomic():
        locked = Capsule.objects.select_for_update().get(pk=capsule.pk)
        locked.validation_report = report
        locked.status = _status_from_report(locked.status, report)
        locked.save(update_fields=["validation_report", "status", "updated_at"])
    capsule.validation_report, capsule.status = locked.validation_report, locked.status
    return report


def capsule_delete(*, capsule: Capsule, actor: SignedInUser) -> None:
    _ensure_can_edit(capsule, actor)
    capsule.delete()


# Moderation that hides a capsule from everyone but its creator must say why: the creator reads the reason on
# their capsule page and list, and it is the note of the audit trail's record.
_REASON_REQUIRED = (ModerationAction.Action.REJECT, ModerationAction.Action.FLAG)
MODERATION_REASON_MAX_LENGTH = 2000


def moderation_reason_error(*, action: str, note: str) -> str | None:
    """Why `note` cannot go with `action` (None when it can): the admin's form and capsule_moderate agree."""
    if ModerationAction.Action(action) in _REASON_REQUIRED and not note.strip():
        return "Give a reason: the creator sees it on their capsule."
    if len(note.strip()) > MODERATION_REASON_MAX_LENGTH:
        return f"Keep the reason under {MODERATION_REASON_MAX_LENGTH} characters."
    return None


def _ensure_can_publish(capsule: Capsule) -> None:
    if not (capsule.validation_report or {}).get("passed"):
        raise ApplicationError(
            "Only a capsule that passed the judge can be published: validate it first.", code=ErrorCode.NOT_VALIDATED
        )
    # Refused rather than made public: is_public is the creator's choice (they may keep a capsule for their own
    # courses), and a published private capsule would look released ("Published · Private") while no learner
    # outside the creator's own courses could ever see it.
    if not capsule.is_public:
        raise ApplicationError(
            "A private capsule cannot be published: only its creator can make it public.",
            code=ErrorCode.PRIVATE,
        )


def capsule_moderate(
    *, capsule: Capsule, actor: SignedInUser, action: str, note: str = ""
) -> ModerationAction | None:
    """Set a capsule's moderation status and record who did it, when and why. Staff only.

    Returns None (and records nothing) when the capsule already has the target status. Publishing needs a
    passing judge report (learners only ever see capsules that were proven to work) and a public capsule.
    Rejecting and flagging need a reason (`note`): it is stored with the record and on the capsule, where
    its creator reads it; the status, the reason and the record are written in one transaction.
    """
    if not actor.is_staff:
        raise PermissionDenied("Only staff can moderate capsules.")
    note = note.strip()
    problem = moderation_reason_error(action=action, note=note)
    if problem is not None:
        raise ValidationFailed(problem, fields={"note": problem})
    target = _MODERATION_TARGET[ModerationAction.Action(action)]
    with transaction.atomic():
        locked = Capsule.objects.select_for_update().get(pk=capsule.pk)
        if locked.status == target:
            return None
        if target == CapsuleStatus.PUBLISHED:
            _ensure_can_publish(locked)
        record = ModerationAction.objects.create(
            capsule=locked, actor=actor, action=action, from_status=locked.status, to_status=target, note=note
        )
        locked.status = target
        # A reason explains a hidden capsule; one that is back in draft or published has none to show.
        locked.moderation_reason = note if target in MODERATED_STATUSES else ""
        locked.moderated_at = record.created_at
        locked.save(update_fields=["status", "moderation_reason", "moderated_at", "updated_at"])
    capsule.status, capsule.moderation_reason, capsule.moderated_at = target, locked.moderation_reason, locked.moderated_at
    return record


# --- Import (manage.py import_capsules) and checks shared with the admin form -------------------------


def _stored_sql_error(*, url: str, text_key: str) -> str | None:
    """Why a URL given instead of inline SQL cannot be used here (None when it names SQL stored here)."""
    if seed_sql_name(url) is None:
        return f"does not name seed SQL stored by CodeCapsule; send {text_key} instead"
    if not seed_sql_exists(url=url):
        return f"names seed SQL that is not stored here; include {text_key} in the record"
    return None


def capsule_validate_for_save(*, data: Any) -> CapsuleDraft:
    """Everything the save path checks, without saving anything (create, update, admin form, import).

    1. parse_capsule, through capsule_validate_input: the schema errors, as field paths.
    2. A DATABASE capsule without inline `seed_sql` must name seed SQL that is stored here, or it could
       never be judged (e.g. a record exported elsewhere without its seed SQL).
    3. Likewise a hidden dataset given by `hidden_seed_sql_url` instead of inline `hidden_seed_sql` (an empty
       URL is no hidden dataset, which the gate judges).
    """
    draft = capsule_validate_input(data=data)
    config = draft.config
    if not isinstance(config, DatabaseConfig):
        return draft
    errors: dict[str, str] = {}
    if not (config.seed_sql or "").strip() and (message := _stored_sql_error(url=config.seed_sql_url, text_key="seed_sql")):
        errors["config_data.seed_sql_url"] = message
    if (
        not (config.hidden_seed_sql or "").strip()
        and config.hidden_seed_sql_url
        and (message := _stored_sql_error(url=config.hidden_seed_sql_url, text_key="hidden_seed_sql"))
    ):
        errors["config_data.hidden_seed_sql_url"] = message
    if errors:
        raise ValidationFailed.for_fields(errors)
    return draft


class ImportOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"


@dataclass(frozen=True)
class CapsuleImportResult:
    outcome: ImportOutcome
    capsule_id: UUID | None  # None only for a dry run of a record without an id
    capsule: Capsule | None  # None for a dry run


@dataclass(frozen=True)
class CapsuleImportReport:
    """What capsule_import_all did with a list of records: all of them saved, or none."""

    # Per record, in order: what was done (or, for a dry run or a rejected import, what would have been done);
    # None for a rejected record.
    results: list[CapsuleImportResult | None]
    # Rejected records by index: field path (`__all__` for the record as a whole) → message.
    errors: dict[int, dict[str, str]]
    saved: bool  # every record was written (never for a dry run, never when a record was rejected)


def _import_id(data: Mapping[str, Any]) -> tuple[UUID | None, str | None]:
    raw = data.get("id")
    if raw is None or raw == "":
        return None, None
    try:
        return UUID(str(raw)), None
    except ValueError:
        return None, "is not a valid UUID"


def _import_check(*, owner: SignedInUser, data: Any) -> CapsuleImportResult:
    """What importing one record would do (CREATED or UPDATED), or ValidationFailed with every error of the record,
    `id` first, as field paths. Neither writes nor judges (steps 1-3 of capsule_import_all)."""
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
    outcome = ImportOutcome.UPDATED if existing_creator is not None else ImportOutcome.CREATED
    return CapsuleImportResult(outcome=outcome, capsule_id=capsule_id, capsule=None)


def _import_target(data: Mapping[str, Any]) -> Capsule | None:
    capsule_id, _ = _import_id(data)
    return Capsule.objects.filter(pk=capsule_id).first() if capsule_id is not None else None


def _import_write(*, owner: SignedInUser, data: Mapping[str, Any], prejudged: dict[str, Any] | None) -> CapsuleImportResult:
    """Save one checked record through capsule_create or capsule_update, deciding which by what is stored now."""
    capsule_id, _ = _import_id(data)
    existing = _import_target(data)
    if existing is None:
        capsule = capsule_create(creator=owner, data=data, capsule_id=capsule_id, prejudged=prejudged)
        return CapsuleImportResult(outcome=ImportOutcome.CREATED, capsule_id=capsule.pk, capsule=capsule)
    if existing.creator_id != owner.pk:  # it changed hands since the check
        raise ValidationFailed("The record was rejected.", fields={"id": "belongs to another creator"})
    capsule = capsule_update(capsule=existing, actor=owner, data=data, source=EditPath.IMPORT, prejudged=prejudged)
    return CapsuleImportResult(outcome=ImportOutcome.UPDATED, capsule_id=capsule.pk, capsule=capsule)


def capsule_import_all(*, owner: SignedInUser, records: Sequence[Any], dry_run: bool = False) -> CapsuleImportReport:
    """Import BaseCapsule records (the lines of an export) as `owner`'s capsules: all of them, or none.

    1. Every record must be a JSON object; its `id`, when present, must be a UUID.
    2. Everything is validated as the save path would (capsule_validate_for_save). An `id` that exists must
       belong to `owner` (that capsule is then updated through capsule_update, whose status rules apply); an
       `id` owned by someone else is refused; a new `id` is kept (capsule_create).
    3. Read-only keys of the export shape are ignored: creator_id (the owner decides), created_at,
       updated_at, and status — the judge decides it on this installation, as on every save.
    4. Steps 1-2 run for every record before anything is written or judged, so one run reports every bad
       record. If any is bad, nothing is written and the report names each one's errors.
    5. With dry_run nothing is written either (not even seed SQL files); the results say what would happen
       (a repeated id is an update the second time).
    6. Otherwise every record is judged first (capsule_prejudge: a sandbox run each, outside any transaction, so
       a long import holds no lock — on SQLite, the site's write lock — while it is judged), then every record
       is saved, in order, in one transaction, through capsule_create and capsule_update as every other path
       saves. A record the judge fails is not bad: it is saved as a draft carrying the judge's report, as on
       every save. A record that turned bad since step 2 (its id taken by another creator meanwhile) rolls back
       every write, and is reported. (Seed SQL files stored on the way stay behind: storage is content-addressed,
       and an unreferenced file harms nothing.)
    """
    results: list[CapsuleImportResult | None] = []
    errors: dict[int, dict[str, str]] = {}
    seen_ids: set[UUID] = set()
    for index, data in enumerate(records):
        try:
            result = _import_check(owner=owner, data=data)
        except ValidationFailed as exc:
            errors[index] = exc.fields
            results.append(None)
            continue
        capsule_id = result.capsule_id
        if capsule_id is not None:
            if capsule_id in seen_ids:
                result = replace(result, outcome=ImportOutcome.UPDATED)
            seen_ids.add(capsule_id)
        results.append(result)
    if errors or dry_run:
        return CapsuleImportReport(results=results, errors=errors, saved=False)

    # A record whose id an earlier record of the file creates is judged as new: the stricter rules.
    reports = [capsule_prejudge(data=data, existing=_import_target(data)) for data in records]
    saved: list[CapsuleImportResult | None] = []
    try:
        with transaction.atomic():
            for data, report in zip(records, reports, strict=True):
                saved.append(_import_write(owner=owner, data=data, prejudged=report))
    except ValidationFailed as exc:  # raised by the record after the last one saved; every write is undone
        return CapsuleImportReport(results=results, errors={len(saved): exc.fields}, saved=False)
    return CapsuleImportReport(results=saved, errors={}, saved=True)


def capsule_import(*, owner: SignedInUser, data: Any, dry_run: bool = False) -> CapsuleImportResult:
    """Import one BaseCapsule record as `owner`'s capsule: capsule_import_all of that record alone, its errors
    raised as ValidationFailed (field paths; `__all__` for the record as a whole)."""
    report = capsule_import_all(owner=owner, records=[data], dry_run=dry_run)
    if report.errors:
        raise ValidationFailed("The record was rejected.", fields=report.errors[0])
    result = report.results[0]
    assert result is not None  # a record without errors has a result
    return result


def capsule_differs_from(*, capsule: Capsule, data: Any) -> bool:
    """Would saving `data` change the capsule's content or visibility? (seed_demo stays idempotent with it.)

    Inline seed SQL is compared by the URL it would be stored under; storing it is content-addressed, so
    doing so here is harmless and makes the comparison exact.
    """
    values = _draft_values(capsule_validate_input(data=data))
    return any(getattr(capsule, field) != value for field, value in values.items())
