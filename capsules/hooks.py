"""Extension points that other apps plug into, so that `capsules` imports no other app (README, "Where the code lives").

* The judge: judges/apps.py registers `judges.gate.validate`; the capsule services call it on every save.
* Edit listeners: feedback/apps.py registers the recorder of creator edits; `capsule_update` calls every
  listener with the capsule before and after each save (CapsuleEdited), inside the save's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Protocol

from django.core.exceptions import ImproperlyConfigured

from capsules.models import Capsule
from capsules.schemas import CapsuleDraft
from codecapsule.http import SignedInUser

# The categories of a judge's report that other apps act on (judges/reports.py lists every category):
# "could not run at all" (the sandbox failed: nothing was proven either way, so a status must not change), and
# a new DATABASE capsule without a hidden dataset (it keeps the rules of new capsules until it has one), and a
# browser tier whose engine disagrees with the server judge (generation moves such a capsule's Run to the server).
INCONCLUSIVE_CATEGORY: Final = "sandbox_error"
MISSING_HIDDEN_DATASET_CATEGORY: Final = "missing_hidden_dataset"
BROWSER_MISMATCH_CATEGORIES: Final = ("browser_disagreement", "engine_version_skew")


class JudgeReport(Protocol):
    passed: bool

    def model_dump(self, *, mode: str = ...) -> dict[str, Any]: ...


class Judge(Protocol):
    """A judge takes a validated draft, or a BaseCapsule dict that may not fit the schema any more (a stored
    capsule judged again): it reports that as a failure instead of raising. `new` says whether the capsule is
    being created (the rules for new capsules apply, e.g. a DATABASE capsule needs a hidden dataset) or is a
    saved one judged again (older capsules keep passing, with a warning in the report)."""

    def __call__(self, target: CapsuleDraft | Mapping[str, Any], *, new: bool = ...) -> JudgeReport: ...


_judge: Judge | None = None


def register_judge(judge: Judge) -> None:
    global _judge
    _judge = judge


def judge_capsule(target: CapsuleDraft | Mapping[str, Any], *, new: bool = True) -> dict[str, Any]:
    """The registered judge's report on `target`, as JSON-ready data (it has a boolean "passed").

    `new`: see Judge. The default is the strict one, so a caller that forgets it never lets a capsule through.
    """
    if _judge is None:
        raise ImproperlyConfigured("No capsule judge is registered: is the judges app in INSTALLED_APPS?")
    return _judge(target, new=new).model_dump(mode="json")


# --- Edit listeners ---------------------------------------------------------------------------------------


class EditPath(StrEnum):
    """The path a save of a capsule came through (CapsuleEdited.source). feedback records each as a creator
    edit (feedback.models.EditSource, which adds `client` for edits a client reports), except SEED."""

    DASHBOARD = "dashboard"
    API = "api"
    ADMIN = "admin"
    IMPORT = "import"
    SEED = "seed"  # seed_demo putting demo data back: not a creator's correction


@dataclass(frozen=True)
class CapsuleEdited:
    """One save of an existing capsule, as capsule_update made it.

    `before` and `after` are BaseCapsule dicts (`capsules.selectors.capsule_base_dict`) of the stored row
    just before and just after the write; `previous_report` is the judge's report the capsule carried
    before it (which says e.g. whether the old code failed to compile). `source` names the path the edit
    came through.
    """

    capsule: Capsule
    actor: SignedInUser
    source: EditPath
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    previous_report: Mapping[str, Any] | None


EditListener = Callable[[CapsuleEdited], None]
_edit_listeners: list[EditListener] = []


def register_edit_listener(listener: EditListener) -> None:
    """Add a listener; registering the same one again is a no-op (an AppConfig.ready may run twice)."""
    if listener not in _edit_listeners:
        _edit_listeners.append(listener)


def unregister_edit_listener(listener: EditListener) -> None:
    if listener in _edit_listeners:
        _edit_listeners.remove(listener)


def notify_capsule_edited(
    *,
    capsule: Capsule,
    actor: SignedInUser,
    source: EditPath,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    previous_report: Mapping[str, Any] | None = None,
) -> None:
    """Call every edit listener, in registration order.

    capsule_update calls this inside its transaction, after the write: whatever a listener writes commits
    or rolls back with the capsule, and a listener that raises undoes the save (an edit is never kept
    without its record, nor recorded without being kept).
    """
    event = CapsuleEdited(
        capsule=capsule, actor=actor, source=source, before=before, after=after, previous_report=previous_report
    )
    for listener in tuple(_edit_listeners):
        listener(event)
