"""The judge: a sandbox, language runtimes, one validator per capsule type, and learner grading.

`judges.validate(capsule_or_draft)` is the single entry point of the quality gate (judges/gate.py).
"""

from __future__ import annotations

from typing import Any


def validate(target: Any) -> Any:
    """See judges.gate.validate (imported lazily: this package is imported before Django's apps are ready)."""
    from judges.gate import validate as gate_validate

    return gate_validate(target)
