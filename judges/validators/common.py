"""Small pieces every validator uses: timing steps and turning failures into report sentences."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from judges.reports import BrowserAgreement, Category, Problem, ReportStep, TaskOutcome, TestOutcome, ValidationReport

SHOWN_OUTPUT_CHARS = 200  # how much of an output a report sentence quotes


def quote(text: str, limit: int = SHOWN_OUTPUT_CHARS) -> str:
    shown = text if len(text) <= limit else text[:limit] + "…"
    return repr(shown)


@dataclass
class ReportBuilder:
    """Collects steps, outcomes and problems while a validator works, then makes the one report.

    A validator records every problem it finds (`problem`) and goes on wherever what it already ran still says
    something; `fail` records a last problem after which nothing more can be judged (a seed that does not run).
    `finish` makes the report: failed with every problem (the first is its category and message), or passed."""

    capsule_type: str
    language: str
    steps: list[ReportStep] = field(default_factory=list)
    tests: list[TestOutcome] = field(default_factory=list)
    tasks: list[TaskOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    browser: BrowserAgreement | None = None
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

    def _report(self, passed: bool, category: Category | None, message: str, **extra: Any) -> ValidationReport:
        return ValidationReport(
            passed=passed,
            category=category,
            message=message,
            capsule_type=self.capsule_type,
            language=self.language,
            steps=self.steps,
            tests=self.tests,
            tasks=self.tasks,
            problems=self.problems,
            browser=self.browser,
            seconds=round(time.monotonic() - self.started, 4),
            **extra,
        )

    def problem(self, category: Category, message: str, *, test_index: int | None = None, task_id: str | None = None) -> None:
        self.problems.append(Problem(category=category, message=message, test_index=test_index, task_id=task_id))

    @property
    def has_problems(self) -> bool:
        return bool(self.problems)

    def fail(self, category: Category, message: str, **extra: Any) -> ValidationReport:
        """Record a problem after which nothing more can be judged, and make the failed report."""
        self.problem(category, message)
        return self.finish("", **extra)

    def finish(self, passed_message: str, **extra: Any) -> ValidationReport:
        """The report: failed with every recorded problem (the first one is its category and message), else
        passed with `passed_message`."""
        if self.problems:
            first = self.problems[0]
            return self._report(False, first.category, first.message, **extra)
        return self._report(True, None, passed_message, **extra)

    def passed(self, message: str, **extra: Any) -> ValidationReport:
        return self.finish(message, **extra)
