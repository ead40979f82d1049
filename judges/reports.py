"""The judge's report: what the gate did, what failed and where.

One ValidationReport per judgement. It is stored on the capsule (`validation_report`), returned by the
validate API and read by the Debugger agent, so `message` is one plain sentence and every test or task
outcome carries the call, the expected and the actual output.

`problems` lists EVERY problem the gate found in one judgement (a missing hidden test does not hide a syntax
error in the same save); `category` and `message` repeat the first of them, so readers that know only one
problem (the generation pipeline, the admin, validate_capsules) keep working.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Category = Literal[
    "syntax_error",
    "compile_error",
    "runtime_error",
    "wrong_output",
    "timeout",
    "memory",
    "output_limit",
    "schema_mismatch",
    "empty_result",
    "task_already_passing",
    "task_unsolvable",
    "boilerplate_passes",
    "missing_hidden_test",
    "flaky",
    "sandbox_error",
    # Found before anything runs: a CODE capsule without a visible test, and a record that does not even
    # fit its type's schema (validate_capsules reads files that never went through the API).
    "missing_visible_test",
    "invalid_config",
    # A new DATABASE capsule without a hidden dataset: learners could pass by pasting the visible rows.
    "missing_hidden_dataset",
    # A CODE statement shows an example call that no visible test makes, or gives it another result than the
    # visible test expects: learners would trust an example nothing checks.
    "statement_example_untested",
    "statement_example_mismatch",
    # A capsule of a browser tier (Run in the learner's browser, capsules.schemas.BROWSER_ENGINES): the gate runs the
    # reference's visible tests (DATABASE: the reference query on the visible data) in the same engine on the server,
    # and the engine's verdict or output differs from the server judge's, so Run and Submit would disagree.
    # browser_disagreement: both run the same language version (major.minor); engine_version_skew: they do not
    # (e.g. SQLite 3.54 in the browser, 3.40 on the server). Either way the capsule is right for the server's tier.
    "browser_disagreement",
    "engine_version_skew",
    # Generation's statement check (judges/statement_check.py): a solution written from what the learner sees
    # (statement, starting code, visible examples) fails checks the reference passes, so the statement and the
    # tests may not say the same thing.
    "statement_disagreement",
]

# NR: not run — the job stopped before this test (an earlier test ran out of time or memory, or the attempt's
# time budget was spent).
Verdict = Literal["AC", "WA", "TLE", "MLE", "RE", "CE", "OLE", "NR"]

# The category a failing verdict stands for, when the reference solution earns it.
CATEGORY_OF_VERDICT: dict[str, Category] = {
    "WA": "wrong_output",
    "TLE": "timeout",
    "MLE": "memory",
    "RE": "runtime_error",
    "CE": "compile_error",
    "OLE": "output_limit",
    "NR": "timeout",
}


class ReportStep(BaseModel):
    name: str
    ok: bool
    detail: str = ""
    seconds: float = 0.0


class TestOutcome(BaseModel):
    __test__ = False  # not a pytest class

    index: int
    description: str
    call: str
    expected: str
    actual: str
    verdict: Verdict
    is_hidden: bool = False
    stderr: str = ""
    exit_code: int | None = None
    signal: int | None = None
    cpu_ms: float | None = None
    wall_ms: float | None = None


class TaskOutcome(BaseModel):
    task_id: str
    failed_before: bool
    passed_after: bool
    output_before: str = ""
    output_after: str = ""


class ExpectedResult(BaseModel):
    """A DATABASE capsule's reference result, stored for grading learners' queries."""

    columns: list[str]
    rows: list[list[object]]
    ordered: bool


class Problem(BaseModel):
    """One thing the gate refuses, with the test (its 0-based index in test_cases) or task it is about."""

    category: Category
    message: str
    test_index: int | None = None
    task_id: str | None = None


class BrowserAgreement(BaseModel):
    """A browser-tier capsule's check against its browser engine (judges/validators/browser.py), for the capsule page.

    `agreed`: True when every compared test (or the query) gave the same verdict and output in the engine as on the
    server; False when one did not (the problems say which); None when nothing was compared (`note` says why: the
    check is off, the engine failed, or the reference failed on the server first)."""

    engine: str  # "python", "javascript", "sqlite" (capsules.schemas.BROWSER_ENGINES)
    engine_version: str | None = None  # "Python 3.11.3": what the browser runs
    server_version: str | None = None  # "Python 3.11.2": what the server's judge runs
    tests_compared: int = 0  # visible tests (DATABASE: 1, the reference query on the visible data)
    agreed: bool | None = None
    cached: bool = False  # the engine's result came from the cache (the same engine build, code and tests)
    note: str = ""


class ValidationReport(BaseModel):
    passed: bool
    category: Category | None = None
    message: str
    capsule_type: str
    language: str
    steps: list[ReportStep] = Field(default_factory=list)
    tests: list[TestOutcome] = Field(default_factory=list)
    tasks: list[TaskOutcome] = Field(default_factory=list)
    expected_result: ExpectedResult | None = None
    # DATABASE: the reference's result on the hidden dataset (graded verdict-only; never shown to learners).
    hidden_expected_result: ExpectedResult | None = None
    # What passed but deserves the creator's attention (e.g. an older DATABASE capsule without a hidden dataset).
    warnings: list[str] = Field(default_factory=list)
    # Every problem found, in the order the gate found them; empty when it passed. The first one is also
    # `category` / `message`.
    problems: list[Problem] = Field(default_factory=list)
    # A browser-tier capsule: whether its browser engine agrees with the server (None for other tiers).
    browser: BrowserAgreement | None = None
    seconds: float = 0.0

    def first_failure(self) -> TestOutcome | None:
        return next((test for test in self.tests if test.verdict != "AC"), None)

