"""Extension points that other apps plug into, so that `capsules` imports no other app (DESIGN.md §1).

* The judge: judges/apps.py registers `judges.gate.validate`; the capsule services call it on every save.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from capsules.schemas import CapsuleDraft


class JudgeReport(Protocol):
    passed: bool

    def model_dump(self, *, mode: str = ...) -> dict[str, Any]: ...


Judge = Callable[[CapsuleDraft], JudgeReport]
_judge: Judge | None = None


def register_judge(judge: Judge) -> None:
    global _judge
    _judge = judge


def judge_draft(draft: CapsuleDraft) -> dict[str, Any]:
    """The registered judge's report on `draft`, as JSON-ready data (it has a boolean "passed")."""
    if _judge is None:
        raise ImproperlyConfigured("No capsule judge is registered: is the judges app in INSTALLED_APPS?")
    return _judge(draft).model_dump(mode="json")
