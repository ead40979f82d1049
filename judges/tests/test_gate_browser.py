"""The gate's browser step (judges/validators/browser.py): a capsule of a browser tier agrees with its engine.

Real sandbox, real Node.js and the built engines (static/vendor/engines/): Pyodide takes ~3 s to start, so only two
tests start it. The server's version may be faked (judges.runtimes.browser.server_version); the engine never is.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import caches

from capsules.tests.samples import capsule_data
from generation.catalog.loader import load_exercises
from judges import validate
from judges.reports import ValidationReport
from judges.runtimes import browser as engines
from judges.validators.browser import STEP


@pytest.fixture(autouse=True)
def _no_engine_results_yet():
    """The engine results of other tests (kept across tests like the runs they are) must not answer these."""
    caches[settings.JUDGE_RESULTS_CACHE].clear()


def catalog_capsule(source: str, tier: str) -> dict[str, Any]:
    exercise = next(exercise for exercise in load_exercises() if exercise.source == source)
    data = dict(copy.deepcopy(exercise.capsule))
    data["runtime_config"]["runtime_tier"] = tier
    return data


@pytest.fixture
def engine_starts(monkeypatch) -> list[str]:
    """The engines node-run.mjs was started for, in order (the engine itself still runs)."""
    started: list[str] = []
    real = engines.run_engine

    def counted(engine: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        started.append(engine)
        return real(engine, *args, **kwargs)

    monkeypatch.setattr(engines, "run_engine", counted)
    return started


def browser_step(report: ValidationReport):
    return next(step for step in report.steps if step.name == STEP)


def platform_capsule() -> dict[str, Any]:
    """A Python capsule whose visible test prints sys.platform: "linux" on the server, "emscripten" in Pyodide."""
    data = capsule_data("CODE", runtime_config={"language": "python", "runtime_tier": "wasm-python"})
    data["config_data"]["reference_solution"] = "import sys\n\ndef find_largest(numbers):\n    return max(numbers)\n"
    data["config_data"]["test_cases"].insert(
        1, {"description": "the platform", "test_call": "print(sys.platform)", "expected_output": "linux\n", "is_hidden": False}
    )
    return data


def test_a_catalog_python_exercise_of_wasm_python_agrees_and_judging_it_again_starts_no_engine(engine_starts):
    data = catalog_capsule("python/01-count-words.yaml", "wasm-python")

    first = validate(data)
    again = validate(data)

    assert (first.passed, first.category) == (True, None), first.message
    assert first.browser is not None
    assert first.browser.model_dump() == {
        "engine": "python",
        "engine_version": first.browser.engine_version,
        "server_version": first.browser.server_version,
        "tests_compared": sum(not case["is_hidden"] for case in data["config_data"]["test_cases"]),
        "agreed": True,
        "cached": False,
        "note": "",
    }
    assert first.browser.engine_version.startswith("Python 3.11.")
    assert first.browser.server_version.startswith("Python 3.11.")
    assert browser_step(first).ok
    assert (again.passed, again.browser.agreed, again.browser.cached) == (True, True, True)
    assert browser_step(again).detail.endswith("from the cache)")
    assert browser_step(again).seconds < 0.5
    assert engine_starts == ["python"]


def test_a_catalog_javascript_exercise_of_browser_javascript_agrees():
    report = validate(catalog_capsule("javascript/01-title-case.yaml", "browser-javascript"))

    assert report.passed, report.message
    assert (report.browser.engine, report.browser.agreed, report.browser.tests_compared) == ("javascript", True, 3)
    assert report.browser.engine_version == report.browser.server_version  # Node.js runs both


def test_a_catalog_sqlite_exercise_of_wasm_sqlite_agrees():
    report = validate(catalog_capsule("sql/03-department-headcount.yaml", "wasm-sqlite"))

    assert report.passed, report.message
    assert (report.browser.engine, report.browser.agreed, report.browser.tests_compared) == ("sqlite", True, 1)
    assert report.browser.engine_version.startswith("SQLite 3.")


def test_a_python_test_that_prints_the_platform_fails_with_browser_disagreement_and_a_faked_server_version_makes_it_skew(
    engine_starts, monkeypatch
):
    data = platform_capsule()

    report = validate(data)

    assert (report.passed, report.category) == (False, "browser_disagreement")
    assert [problem.category for problem in report.problems] == ["browser_disagreement"]
    problem = report.problems[0]
    assert problem.test_index == 1
    assert problem.message.startswith(
        "Test 2 (the platform): print(sys.platform) prints 'emscripten\\n' (WA) in the learner's browser (Python 3.11.3) "
        "but prints 'linux\\n' on the server (Python 3.11."
    )
    assert "choose the sandbox-python tier" in problem.message
    assert (report.browser.agreed, report.browser.tests_compared) == (False, 2)
    assert not browser_step(report).ok

    # The same content, a server of another Python: the disagreement comes from the cache, now as a version skew.
    monkeypatch.setattr(engines, "server_version", lambda engine: "Python 3.12.1")
    skewed = validate(data)

    assert (skewed.passed, skewed.category) == (False, "engine_version_skew")
    assert "Python 3.11.3 in the browser, 3.12.1 on the server" in skewed.problems[0].message
    assert "choose the sandbox-python tier" in skewed.problems[0].message
    assert skewed.browser.cached
    assert engine_starts == ["python"]


def test_an_sqlite_reference_that_shows_its_sqlite_version_is_an_engine_version_skew():
    data = capsule_data("DATABASE", runtime_config={"language": "sql", "runtime_tier": "wasm-sqlite"})
    data["config_data"]["reference_solution"] = (
        "SELECT name, sqlite_version() AS version FROM " + data["config_data"]["reference_solution"].split(" FROM ", 1)[1]
    )

    report = validate(data)

    assert report.category == "engine_version_skew", report.message
    message = report.problems[0].message
    assert message.startswith("The reference query returns ")
    server = report.browser.server_version.removeprefix("SQLite ")
    assert f"{report.browser.engine_version} in the browser, {server} on the server" in message
    assert "choose the sandbox-sqlite tier" in message


def test_sqlite_reals_agree_with_the_server_whatever_their_size():
    data = capsule_data("DATABASE", runtime_config={"language": "sql", "runtime_tier": "wasm-sqlite"})
    config = data["config_data"]
    config["reference_solution"] = (
        "SELECT name, 1.0 AS one, 1e-5 AS small, 1e16 AS big, 9e999 AS huge, 0.1 + 0.2 AS sum FROM "
        + config["reference_solution"].split(" FROM ", 1)[1]
    )

    report = validate(data)

    assert report.passed, report.message
    assert report.browser.agreed


def test_engines_that_are_not_built_are_a_judge_error_not_a_pass(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(engines, "engines_dir", lambda: tmp_path / "engines")

    report = validate(capsule_data("DATABASE", runtime_config={"language": "sql", "runtime_tier": "wasm-sqlite"}))

    assert (report.passed, report.category) == (False, "sandbox_error")
    assert "the browser engines are not built" in report.message
    assert "node scripts/build-frontend.mjs" in report.message
    assert (report.browser.agreed, report.browser.tests_compared) == (None, 0)
    assert report.browser.note.startswith("not checked: the sqlite engine gave no answer")


def test_with_the_check_off_the_step_is_skipped_and_the_report_says_so(settings, engine_starts):
    settings.JUDGE_BROWSER_AGREEMENT = False

    report = validate(platform_capsule())

    assert report.passed, report.message
    assert browser_step(report).detail == "skipped (JUDGE_BROWSER_AGREEMENT is off)"
    assert (report.browser.agreed, report.browser.note) == (None, "not checked: JUDGE_BROWSER_AGREEMENT is off")
    assert engine_starts == []


def test_a_server_tier_has_no_browser_step():
    report = validate(capsule_data("CODE"))

    assert report.passed
    assert report.browser is None
    assert STEP not in [step.name for step in report.steps]
