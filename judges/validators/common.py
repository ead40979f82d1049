"""Small pieces every validator uses: timing steps and turning failures into report sentences."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from judges.reports import Category, ReportStep, TaskOutcome, TestOutcome, ValidationReport

SHOWN_OUTPUT_CHARS = 200  # how much of an output a report sentence quotes


def quote(text: str, limit: int = SHOWN_OUTPUT_CHARS) -> str:
    shown = text if len(text) <= limit else text[:limit] + "…"
    return repr(shown)


@dataclass
class ReportBuilder:
    """Collects steps and outcomes while a validator works, then makes the one report."""

    capsule_type: str
    language: str
    steps: list[ReportStep] = field(default_factory=list)
    tests: list[TestOutcome] = field(default_factory=list)
    tasks: list[TaskOutcome] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @contextmanager
    def step(self, name: str) -> Iterator[ReportStep]:
        """Time a step; the body sets `.ok` and `.detail` on the yielded step."""
        step = ReportStep(name=name, ok=True)
        begun = time.monotonic()
        try:
            yield step
        finally:
            step.seconds = round(time.monotonic() - begun, 4)
            self.steps.append(step)

    def _report(self, passed: bool, category: Category | None, message: str, **extra: object) -> ValidationReport:
        return ValidationReport(
            passed=passed,
            category=category,
            message=message,
            capsule_type=self.capsule_type,
            language=self.language,
            steps=self.steps,
            tests=self.tests,
            tasks=self.tasks,
            seconds=round(time.monotonic() - self.started, 4),
            **extra,
        )

    def fail(self, category: Category, message: str, **extra: object) -> ValidationReport:
        return self._report(False, category, message, **extra)

    def passed(self, message: str, **extra: object) -> ValidationReport:
        return self._report(True, None, message, **extra)
