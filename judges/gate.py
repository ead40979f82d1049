"""The one gate every capsule passes through: `validate(capsule_or_draft) -> ValidationReport`.

Used by the capsule create/update services (through the hook in capsules/hooks.py), the validate API,
the admin's "Validate now" action and the validate_capsules / revalidate commands.

`new` says whether the capsule is being created (capsule_create, the generation pipeline, validate_capsules on
a file) or is a saved one judged again (capsule_update, capsule_validate). Only the DATABASE gate tells them
apart: a new DATABASE capsule needs a hidden dataset, an existing one without it passes with a warning.

A sandbox that is unavailable or fails is reported (category sandbox_error), never raised: the caller
always gets a report, and a capsule is never marked validated without a real run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from capsules.hooks import INCONCLUSIVE_CATEGORY
from capsules.models import Capsule, CapsuleType
from capsules.schemas import CapsuleDraft, CapsuleValidationError, parse_capsule
from capsules.selectors import capsule_base_dict
from judges.reports import Problem, ValidationReport
from judges.sandbox import SandboxError, SandboxUnavailable
from judges.validators.code import validate_code
from judges.validators.database import validate_database
from judges.validators.terminal import validate_terminal

logger = logging.getLogger(__name__)

VALIDATORS: dict[str, Callable[[CapsuleDraft], ValidationReport]] = {
    CapsuleType.CODE: validate_code,
    CapsuleType.DATABASE: validate_database,
    CapsuleType.TERMINAL: validate_terminal,
}


def as_draft(target: Capsule | CapsuleDraft | Mapping[str, Any]) -> CapsuleDraft:
    """A saved capsule, a draft, or a BaseCapsule dict → a validated draft (CapsuleValidationError if not)."""
    if isinstance(target, CapsuleDraft):
        return target
    if isinstance(target, Capsule):
        return parse_capsule(capsule_base_dict(target))
    return parse_capsule(target)


def _invalid_config(target: Any, exc: CapsuleValidationError) -> ValidationReport:
    data = target if isinstance(target, Mapping) else {}
    message = f"The capsule does not fit its schema: {exc}"
    return ValidationReport(
        passed=False,
        category="invalid_config",
        message=message,
        problems=[Problem(category="invalid_config", message=message)],
        capsule_type=str(data.get("capsule_type", "")),
        language=str((data.get("runtime_config") or {}).get("language", "")) if isinstance(data.get("runtime_config"), Mapping) else "",
    )


def _judge(draft: CapsuleDraft, *, new: bool) -> ValidationReport:
    if draft.capsule_type == CapsuleType.DATABASE:
        return validate_database(draft, new=new)
    return VALIDATORS[draft.capsule_type](draft)


def validate(target: Capsule | CapsuleDraft | Mapping[str, Any], *, new: bool = True) -> ValidationReport:
    started = time.monotonic()
    try:
        draft = as_draft(target)
    except CapsuleValidationError as exc:
        return _invalid_config(target, exc)
    try:
        return _judge(draft, new=new)
    except SandboxUnavailable as exc:
        message = f"The capsule could not be judged: no sandbox is available ({exc})."
    except SandboxError as exc:
        logger.exception("judge failed on %s capsule %r", draft.capsule_type, draft.title)
        message = f"The judge failed while running the capsule: {exc}"
    return ValidationReport(
        passed=False,
        category=INCONCLUSIVE_CATEGORY,
        message=message,
        problems=[Problem(category=INCONCLUSIVE_CATEGORY, message=message)],
        capsule_type=draft.capsule_type,
        language=draft.language,
        seconds=round(time.monotonic() - started, 4),
    )
