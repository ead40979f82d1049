"""The statement check of a generated draft: does a solution written from the statement alone pass its tests?

The judge proves that a draft agrees with itself (its reference passes its tests). Generated exercises more often
fail another way: the tests check something the statement does not say (a rounding rule, an order, an edge case
decided silently). After a draft passes the judge, the pipeline (generation/pipeline.py) asks the Solver agent
(generation/agents/solver.py), shown only what a learner sees, for a solution, and the judge runs it against every
test (judges/statement_check.py).

The outcome is a `StatementCheck`, recorded on the job (`statement_check`) and in the saved capsule's report
(`validation_report["statement_check"]`, shown on its page):
- agreed:    the solution passes every check;
- disagreed: it fails some: the Debugger gets both programs, the failing tests and both outputs; a draft still in
             disagreement when the heals run out is saved as a draft, never as validated, with the disagreement
             explained;
- skipped:   no check was made (GENERATION_STATEMENT_CHECK=0, or the offline catalog, which has no Solver);
- failed:    the check could not be made (the Solver gave no usable answer, the sandbox failed, the job's budget
             was spent): the draft is saved as the judge left it, and the record says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from django.conf import settings

Status = Literal["agreed", "disagreed", "skipped", "failed"]


@dataclass(frozen=True)
class StatementCheck:
    status: Status
    message: str
    passed: int = 0
    total: int = 0
    solver_model: str = ""

    def as_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_report(cls, report: Mapping[str, Any], *, model: str) -> StatementCheck:
        """The record of a judgement by judges.check_solution (a CODE test, DATABASE dataset or TERMINAL task each
        count as one check)."""
        checks = list(report.get("tests") or []) or list(report.get("tasks") or [])
        passed = sum(1 for check in checks if check.get("verdict") == "AC" or check.get("passed_after"))
        total = len(checks)
        status: Status = "agreed" if report.get("passed") else "disagreed"
        return cls(status=status, message=str(report.get("message", "")), passed=passed, total=total, solver_model=model)


def skipped_because(unavailable: str) -> StatementCheck | None:
    """The record of a check not made, or None when it should be made."""
    if not settings.GENERATION_STATEMENT_CHECK:
        return StatementCheck("skipped", "The statement check is turned off (GENERATION_STATEMENT_CHECK=0).")
    if unavailable:
        return StatementCheck("skipped", f"No statement check: {unavailable}.")
    return None


def disagreement_note(check: StatementCheck, heals: int) -> str:
    """Why a capsule whose statement check still disagrees is saved as a draft: its report's message."""
    return (
        f"Saved as a draft: the capsule passes its own tests, but {check.message[0].lower() + check.message[1:]} "
        f"It stayed so after {heals} heal{'s' if heals != 1 else ''}: the statement may be ambiguous, or a test may "
        "check something the statement does not say. Read both before publishing."
    )
