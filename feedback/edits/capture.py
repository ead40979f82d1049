"""Writes of creator edits: captured from every capsule save, or reported by a client (POST /api/feedback/edit).

Capture. feedback/apps.py registers `capsule_edited` with `capsules.hooks`; capsule_update calls it inside its
transaction, after the write, on every path (dashboard, API, admin, import). It records one CreatorEdit per
changed leaf (feedback.edits.diff), so the edits commit or roll back with the capsule: a save that fails validation
or the judge's preconditions never reaches the hook, and a no-op save yields no changes. Creating a capsule is
not an edit (capsule_create does not call the hook).

Net corrections. The same listener then brings the capsule's NetCorrection rows up to date when the save
leaves the capsule validated (net_corrections_refresh; feedback.edits.net explains the net change): the insights and
the training set read those rows, so an edit undone later, or a save that broke the capsule, is no correction.

Analysis. A save that records edits asks for one analysis when its transaction commits
(`_analysis_on_commit`): at most one callback per transaction, however many capsules it saves, and
feedback.tasks.enqueue_analysis debounces bursts across transactions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from capsules.hooks import CapsuleEdited, EditPath
from capsules.models import Capsule
from codecapsule.errors import ValidationFailed
from codecapsule.http import SignedInUser
from feedback.edits.attribution import AgentAttribution
from feedback.edits.diff import CONTENT_KEYS, Change, ChangeKind, diff_capsules, infer_edit_type, is_valid_path, path_parts
from feedback.edits.net import ai_output, capsule_content, is_validated_state, net_changes
from feedback.edits.selectors import edits_of_field_since, generation_job_for_capsule, job_drafts
from feedback.models import CreatorEdit, EditSource, EditType, NetCorrection
from feedback.tasks import enqueue_analysis

_MAX_PATH_LENGTH = cast(int, CreatorEdit._meta.get_field("field_path").max_length)  # a CharField always has one


# --- Capture --------------------------------------------------------------------------------------------


def capsule_edited(event: CapsuleEdited) -> None:
    """The edit listener (capsules.hooks): record the edits of one capsule save. seed_demo putting the demo
    data back (source "seed") is not a creator correcting AI output, so it is not recorded."""
    if event.source == EditPath.SEED:
        return
    creator_edits_record(
        capsule=event.capsule,
        actor=event.actor,
        source=event.source,
        before=event.before,
        after=event.after,
        previous_report=event.previous_report,
    )
    # Even when nothing changed: a save (or a judge-again hook with before == after) that finds the capsule
    # validated makes its current state the latest validated one.
    net_corrections_refresh(capsule=event.capsule)


def creator_edits_record(
    *,
    capsule: Capsule,
    actor: SignedInUser,
    source: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    previous_report: Mapping[str, Any] | None = None,
) -> list[CreatorEdit]:
    """One CreatorEdit per changed leaf between two BaseCapsule dicts of `capsule`; none when nothing changed.

    Type and language are the capsule's before the edit: the version that was corrected.
    """
    changes = diff_capsules(before, after)
    if not changes:
        return []
    job = generation_job_for_capsule(capsule)
    attribution = AgentAttribution.for_job(job)
    language = before["runtime_config"]["language"]
    edits = [
        CreatorEdit(
            capsule=capsule,
            creator=actor,
            field_path=change.path,
            original_value=change.original,
            corrected_value=change.corrected,
            edit_type=infer_edit_type(change, language=language, last_report=previous_report),
            source=EditSource(source),
            generation_job=job,
            agent=attribution.agent_for(change.path, change.original),
            capsule_type=before["capsule_type"],
            language=language,
        )
        for change in changes
    ]
    recorded = CreatorEdit.objects.bulk_create(edits)
    _analysis_on_commit()
    return recorded


def _analysis_on_commit() -> None:
    """Enqueue the analysis after the commit, once per transaction.

    A transaction that saves many capsules (an import) would otherwise register one callback per capsule:
    the callbacks pending on the connection are checked first. robust=True: the edits are committed by then,
    so a broker that is down is logged rather than turned into an error for a save that succeeded.
    """
    connection = transaction.get_connection()
    if any(callback is enqueue_analysis for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(enqueue_analysis, robust=True)


# --- Net corrections ------------------------------------------------------------------------------------


def net_corrections_refresh(*, capsule: Capsule) -> list[NetCorrection] | None:
    """Replace `capsule`'s NetCorrection rows by the net change from its generation job's output to its
    current state, when that state is validated; None (nothing written) when it is not.

    The capsule must be the row as just saved (status and judge report current). Not validated: the rows stay
    those of the last validated state, so a broken capsule never becomes the corrected version. No job or no
    recorded draft: no AI output was corrected, so the capsule has no rows. A row whose path and corrected value
    are unchanged keeps its corrected_at, so that re-saving a capsule does not move its corrections in time.
    """
    if not is_validated_state(capsule):
        return None
    job = generation_job_for_capsule(capsule)
    drafts = job_drafts(job) if job is not None else []
    original = ai_output(drafts)
    changes = net_changes(original, capsule_content(capsule)) if original is not None else []
    with transaction.atomic():
        previous = {row.field_path: row for row in NetCorrection.objects.filter(capsule=capsule)}
        NetCorrection.objects.filter(capsule=capsule).delete()
        if original is None or not changes:  # no AI output: no changes either
            return []
        attribution = AgentAttribution(drafts)
        language = original["runtime_config"]["language"]
        rows = [_net_correction(capsule, job, change, language, original, attribution, previous) for change in changes]
        return NetCorrection.objects.bulk_create(rows)


def _net_correction(
    capsule: Capsule,
    job: Any,
    change: Change,
    language: str,
    original: Mapping[str, Any],
    attribution: AgentAttribution,
    previous: Mapping[str, NetCorrection],
) -> NetCorrection:
    earlier = previous.get(change.path)
    # The same correction as before keeps its time.
    unchanged = earlier if earlier is not None and _same_json(earlier.corrected_value, change.corrected) else None
    return NetCorrection(
        capsule=capsule,
        field_path=change.path,
        original_value=change.original,
        corrected_value=change.corrected,
        # No last report: the AI output passed the judge (the pipeline saves nothing else), so only code that
        # does not parse makes a syntax fix.
        edit_type=infer_edit_type(change, language=language),
        generation_job=job,
        agent=attribution.agent_for(change.path, change.original),
        capsule_type=original["capsule_type"],
        language=language,
        corrected_at=unchanged.corrected_at if unchanged is not None else timezone.now(),
    )


# --- Reported by a client -------------------------------------------------------------------------------


def creator_edit_report(
    *,
    capsule: Capsule,
    actor: SignedInUser,
    field_path: str,
    original_value: Any,
    corrected_value: Any,
    edit_type: str | None = None,
    reported_at: datetime | None = None,
) -> tuple[CreatorEdit, bool]:
    """Record an edit a client tracked itself. Returns (the edit, True) or (the earlier one, False) for a duplicate.

    1. Only the capsule's creator reports edits of it (PermissionDenied).
    2. The path must name capsule content (a top-level key of diff.CONTENT_KEYS), both values must fit the
       size limit of a capsule's config and they must differ (ValidationFailed, by field).
    3. Under a lock on the capsule's row, so that two identical reports sent at once cannot both pass the
       check: an edit of the same capsule, path and values recorded within FEEDBACK_DUPLICATE_WINDOW_SECONDS
       makes this one a duplicate and nothing is written. Edits captured from saves count too, so a client
       that reports what its own API save already recorded is counted once.
    4. Otherwise it is recorded with source "client"; edit_type is inferred when not given (from the capsule's
       current language and judge report); the generation job and agent are found as for captured edits.
    """
    if capsule.creator_id != actor.pk:
        raise PermissionDenied("Only the capsule's creator can report edits of it.")
    _check_reported_edit(field_path, original_value, corrected_value, edit_type)
    change = Change(field_path, original_value, corrected_value, _reported_kind(original_value, corrected_value))
    with transaction.atomic():
        Capsule.objects.select_for_update().values_list("pk", flat=True).get(pk=capsule.pk)
        duplicate = _recent_duplicate(capsule, change)
        if duplicate is not None:
            return duplicate, False
        job = generation_job_for_capsule(capsule)
        edit = CreatorEdit.objects.create(
            capsule=capsule,
            creator=actor,
            field_path=field_path,
            original_value=original_value,
            corrected_value=corrected_value,
            edit_type=edit_type or infer_edit_type(change, language=capsule.language, last_report=capsule.validation_report),
            source=EditSource.CLIENT,
            generation_job=job,
            agent=AgentAttribution.for_job(job).agent_for(field_path, original_value),
            capsule_type=capsule.capsule_type,
            language=capsule.language,
            reported_at=reported_at,
        )
        _analysis_on_commit()  # a reported edit counts in the patterns like a saved one
    return edit, True


def _check_reported_edit(field_path: str, original: Any, corrected: Any, edit_type: str | None) -> None:
    errors: dict[str, str] = {}
    if len(field_path) > _MAX_PATH_LENGTH or not is_valid_path(field_path):
        errors["field_path"] = "is not a field path such as config_data.test_cases[2].expected_output"
    elif path_parts(field_path)[0] not in CONTENT_KEYS:
        errors["field_path"] = f"does not name capsule content; it must start with one of: {', '.join(sorted(CONTENT_KEYS))}"
    for name, value in (("original_value", original), ("corrected_value", corrected)):
        size = len(json.dumps(value, separators=(",", ":")).encode())
        if size > settings.CAPSULE_CONFIG_MAX_BYTES:
            errors[name] = f"is {size} bytes of JSON; the limit is {settings.CAPSULE_CONFIG_MAX_BYTES} bytes"
    if "corrected_value" not in errors and "original_value" not in errors and _same_json(original, corrected):
        errors["corrected_value"] = "is the same as the original value: nothing was corrected"
    if edit_type is not None and edit_type not in EditType.values:
        errors["edit_type"] = f"is not an edit type; allowed: {', '.join(EditType.values)}"
    if errors:
        raise ValidationFailed.for_fields(errors, subject="The edit")


def _reported_kind(original: Any, corrected: Any) -> ChangeKind:
    if original is None and corrected is not None:
        return ChangeKind.ADDED
    if corrected is None and original is not None:
        return ChangeKind.REMOVED
    return ChangeKind.CHANGED


def _recent_duplicate(capsule: Capsule, change: Change) -> CreatorEdit | None:
    since = timezone.now() - timedelta(seconds=settings.FEEDBACK_DUPLICATE_WINDOW_SECONDS)
    for edit in edits_of_field_since(capsule=capsule, field_path=change.path, since=since).order_by("-created_at"):
        if _same_json(edit.original_value, change.original) and _same_json(edit.corrected_value, change.corrected):
            return edit
    return None


def _same_json(left: Any, right: Any) -> bool:
    """Equal as JSON documents: key order does not matter, and true is not 1 (as it is in Python)."""
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)
