"""CODE capsules: the reference passes every test, the starting code does not, a second run agrees.

The three programs (reference, reference again, boilerplate) run in ONE sandbox (run_code_batch): a
sandbox start costs more than ten Python tests. The job stops at its first test that runs out of time or
memory (Budget.stop_on_limit), so a reference that hangs is rejected after one wall-clock limit, not one per
test; the boilerplate runs last because it may hang by design (an empty loop). One failed test is all the gate
needs of the boilerplate, and starting code fails the first test almost always: so the batch runs it on the
first test only, and the other tests run (in a job of their own) only when it passes that one.

Steps, each recorded in the report. Every problem found is listed (ValidationReport.problems): a missing hidden
test does not stop the reference from running, and every failing test is named — only the tests a limit kept
from running are summed up in one problem.
1. The tests: at least one visible and one hidden (hidden tests keep learners from hard-coding answers).
2. The reference solution: compiled once, every test run; each failure is reported with the failing call,
   the expected and the actual output, and the error — what the Debugger agent needs to fix it.
3. The boilerplate: it must compile (learners start from it) and fail at least one test, or learners have
   nothing to do. When the reference fails, only its probe (already run) is read: whether it compiles.
4. A second run of the reference must give the same verdicts and outputs (no randomness or timing).
5. A browser tier (Run in the learner's browser): the visible tests in that engine, run on the server, give the
   server's verdicts and outputs (judges/validators/browser.py; only for a reference that passed and agreed).
6. Every example call the statement shows is a visible test, with the result the statement gives
   (judges/validators/examples.py; no sandbox needed).
"""

from __future__ import annotations

import re

from capsules.schemas import CapsuleDraft, CodeConfig, TestCase
from judges.limits import Limits, limits_for
from judges.reports import CATEGORY_OF_VERDICT, Category, TestOutcome, ValidationReport
from judges.runtimes import CODE_RUNTIMES, Budget, JobResult, TestResult, TestSpec, run_code_batch, run_code_tests
from judges.runtimes.compare import DEFAULT_TOLERANCE, CompareMode
from judges.validators import browser
from judges.validators.common import ReportBuilder, quote
from judges.validators.examples import example_problems


def test_specs(test_cases: list[TestCase]) -> list[TestSpec]:
    return [
        TestSpec(
            test_call=case.test_call,
            expected_output=case.expected_output,
            compare=CompareMode(case.compare or "trim"),
            tolerance=case.tolerance if case.tolerance is not None else DEFAULT_TOLERANCE,
        )
        for case in test_cases
    ]


def test_outcomes(test_cases: list[TestCase], job: JobResult) -> list[TestOutcome]:
    return [
        TestOutcome(
            index=result.index,
            description=case.description,
            call=case.test_call,
            expected=case.expected_output,
            actual=result.stdout,
            verdict=result.verdict.value,
            is_hidden=case.is_hidden,
            stderr=result.stderr,
            exit_code=result.exit_code,
            signal=result.signal,
            cpu_ms=round(result.cpu_seconds * 1000, 2),
            wall_ms=round(result.wall_seconds * 1000, 2),
        )
        for case, result in zip(test_cases, job.tests, strict=True)
    ]


def compile_category(language: str) -> Category:
    return "syntax_error" if CODE_RUNTIMES[language].compile_is_syntax_check else "compile_error"


_COMPILER_ERROR_LINE = re.compile(r"error|Error|:\d+(?::\d+)?:")


def compiler_error_line(stderr: str) -> str:
    """The line of a compiler's output that states the error (not its `File ..., line 2` preamble)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return next((line for line in lines if _COMPILER_ERROR_LINE.search(line)), lines[-1] if lines else "")


def describe_failure(case: TestCase, result: TestResult, number: int) -> str:
    """One sentence: which test, what it called, what was expected, what happened."""
    where = f"test {number} ({case.description}): {case.test_call}"
    if result.verdict.value == "WA":
        return f"{where} printed {quote(result.stdout)} but {quote(case.expected_output)} was expected."
    detail = result.message or result.verdict.value
    if result.stderr.strip():
        detail += f" Last error line: {result.stderr.strip().splitlines()[-1][:300]}"
    return f"{where} — {detail}"


def validate_code(draft: CapsuleDraft) -> ValidationReport:
    config = draft.config
    assert isinstance(config, CodeConfig)
    report = ReportBuilder(draft.capsule_type, draft.language)
    cases = config.test_cases
    hidden = sum(case.is_hidden for case in cases)
    visible = len(cases) - hidden

    with report.step("tests include a visible and a hidden test") as step:
        step.ok = bool(hidden and visible)
        step.detail = f"{visible} visible, {hidden} hidden"
    if not visible:
        report.problem("missing_visible_test", "Every test is hidden: add at least one visible test so learners see an example.")
    if not hidden:
        report.problem(
            "missing_hidden_test", "Every test is visible: add at least one hidden test so learners cannot pass by matching the examples."
        )

    specs = test_specs(cases)
    limits = limits_for(draft.language, extended=draft.runtime_tier.endswith("-extended"))

    with report.step("reference solution passes every test") as step:
        first, second, probe = run_code_batch(
            draft.language,
            [(config.reference_solution, specs), (config.reference_solution, specs), (config.boilerplate_code, specs[:1])],
            limits,
            budget=STOP_AT_FIRST_LIMIT,
        )
        report.tests = test_outcomes(cases, first)
        step.ok = first.passed
        step.detail = f"{sum(t.passed for t in first.tests)}/{len(cases)} tests pass"
    _reference_problems(report, draft.language, cases, first)

    with report.step("starting code compiles and fails at least one test") as step:
        # Only a passing reference makes the starting code's other tests worth a job of their own; otherwise its
        # probe (already run) still says whether it compiles.
        if first.passed:
            starting, failing = judge_starting_code(draft.language, config.boilerplate_code, specs, probe, limits)
        else:
            starting, failing = probe, (0 if probe.tests and probe.tests[0].verdict.value not in ("AC", "NR") else None)
        step.ok = starting.compiled and failing is not None
        if not starting.compiled:
            step.detail = "does not compile"
        elif failing is not None:
            step.detail = f"fails test {failing + 1}"
        else:
            step.detail = "passes every test" if first.passed else "not judged: the reference fails"
    if not starting.compiled:
        error_line = compiler_error_line(starting.compile.stderr if starting.compile else "")
        report.problem(
            compile_category(draft.language),
            "The starting code does not compile, so learners would begin with an error"
            + (f": {error_line[:300]}" if error_line else "."),
        )
    elif failing is None and first.passed:
        report.problem(
            "boilerplate_passes", "The starting code already passes every test, so learners would have nothing to do."
        )

    with report.step("a second run of the reference agrees") as step:
        disagreements = run_disagreements(first, second) if first.compiled else []
        step.ok = not disagreements
        step.detail = "same verdicts and outputs" if not disagreements else f"tests {', '.join(str(i + 1) for i in disagreements)} differ"
    for index in disagreements:
        report.problem(
            "flaky",
            f"Test {index + 1} ({cases[index].description}) gave different results on two runs of the reference: "
            f"{quote(first.tests[index].stdout)} then {quote(second.tests[index].stdout)}; tests must be deterministic.",
            test_index=index,
        )

    if first.passed and not disagreements:
        # A browser tier: the visible tests in the learner's engine give what the server gave (judges/validators/browser.py).
        browser.check_code(report, draft, config.reference_solution, cases, first, limits)

    with report.step("every example in the statement is a visible test") as step:
        shown, example_issues = example_problems(draft.problem_statement_md, cases, config.reference_solution)
        step.ok = not example_issues
        step.detail = (
            f"{shown} example{'s' if shown != 1 else ''}, {len(example_issues)} not matched by a visible test"
            if example_issues
            else f"{shown} example{'s' if shown != 1 else ''}, each a visible test"
        )
    for issue in example_issues:
        report.problem(issue.category, issue.message, test_index=issue.test_index)

    return report.finish(
        f"The reference solution passes all {len(cases)} tests ({hidden} hidden), the starting code fails "
        f"test {(failing or 0) + 1}, and a second run agrees."
    )


def _reference_problems(report: ReportBuilder, language: str, cases: list[TestCase], first: JobResult) -> None:
    """One problem per failing test of the reference (the tests a limit kept from running: one problem for all)."""
    if not first.compiled:
        compiler = first.compile
        message = compiler.message if compiler else "The reference solution does not compile."
        error_line = compiler_error_line(compiler.stderr if compiler else "")
        report.problem(
            compile_category(language),
            f"The reference solution does not compile: {message}" + (f" ({error_line[:300]})" if error_line else ""),
        )
        return
    not_run = [result.index for result in first.tests if result.verdict.value == "NR"]
    for result in first.tests:
        if not result.passed and result.verdict.value != "NR":
            report.problem(
                CATEGORY_OF_VERDICT[result.verdict.value],
                "The reference solution fails " + describe_failure(cases[result.index], result, result.index + 1),
                test_index=result.index,
            )
    if not_run:
        numbers = ", ".join(str(index + 1) for index in not_run)
        report.problem(
            "timeout",
            f"Test{'s' if len(not_run) > 1 else ''} {numbers} did not run: the judge stops at the first test that runs "
            "out of time or memory, so fix that one first.",
            test_index=not_run[0],
        )


# A test that ran out of time or memory (or never ran) in either run says nothing about determinism.
_LIMIT_VERDICTS = {"TLE", "MLE", "NR", "OLE"}


def run_disagreements(first: JobResult, second: JobResult) -> list[int]:
    """The tests whose verdict or output differ between two runs of the reference (limits left out)."""
    return [
        index
        for index, (a, b) in enumerate(zip(first.tests, second.tests, strict=True))
        if a.verdict.value not in _LIMIT_VERDICTS and b.verdict.value not in _LIMIT_VERDICTS
        and (a.verdict.value, a.stdout) != (b.verdict.value, b.stdout)
    ]


STOP_AT_FIRST_LIMIT = Budget(stop_on_limit=True)


def judge_starting_code(language: str, code: str, specs: list[TestSpec], probe: JobResult, limits: Limits) -> tuple[JobResult, int | None]:
    """The starting code's job and the index of its first failing test (None: it passes every test).

    `probe` ran it on the first test. Only when it passed that one do the others run, in a job of their own."""
    if not probe.compiled:
        return probe, None
    if not probe.passed or len(specs) == 1:
        return probe, (None if probe.passed else 0)
    rest = run_code_tests(language, code, specs[1:], limits, budget=STOP_AT_FIRST_LIMIT)
    failing = next((test.index + 1 for test in rest.tests if not test.passed), None)
    return rest, failing if rest.compiled else None
