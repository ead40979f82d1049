"""Extension points that other apps plug into, so that `capsules` imports no other app (DESIGN.md §1).

* The judge: judges/apps.py registers `judges.gate.validate`; the capsule services call it on every save.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from capsules.schemas import CapsuleDraft


class JudgeReport(Protocol):
    passed: bool

    def model_dump(self, *, mode: str = ...) -> dict[str, Any]: ...


# A judge takes a validated draft, or a BaseCapsule dict that may not fit the schema any more (a stored
# capsule judged again): it reports that as a failure instead of raising.
Judge = Callable[[CapsuleDraft | Mapping[str, Any]], JudgeReport]
_judge: Judge | None = None


def register_judge(judge: Judge) -> None:
    global _judge
    _judge = judge


def judge_capsule(target: CapsuleDraft | Mapping[str, Any]) -> dict[str, Any]:
    """The registered judge's report on `target`, as JSON-ready data (it has a boolean "passed")."""
    if _judge is None:
        raise ImproperlyConfigured("No capsule judge is registered: is the judges app in INSTALLED_APPS?")
    return _judge(target).model_dump(mode="json")
