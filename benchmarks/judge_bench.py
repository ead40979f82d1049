#!/usr/bin/env python3
"""Judge benchmark: how long the quality gate takes per capsule.

1. Generates Python capsules with 10 tests each and validates every one through the gate
   (judges.validate: sandboxed reference run, starting-code run and second reference run), then checks
   the same tests with a naive baseline: one unsandboxed `python3` subprocess per test. Prints the median
   milliseconds per capsule for both and their ratio.
2. Prints one line per other runtime (JavaScript, Java, Go, C#, SQL, Bash) with its median milliseconds
   per capsule through the gate.
3. A learner's Submit per language (judges.grading.grade_attempt on the reference, as a learner who got it
   right): CODE capsules padded or cut to exactly 10 tests; SQL one query; Bash the solution commands.
4. Failing fast: how long the gate takes to reject a capsule whose reference loops forever, and how long a
   learner whose code loops waits for the verdict of a Submit (10 tests).

Targets: a 10-test Python capsule in at most 60 ms median inside the sandbox, and at least 10x faster
than the naive baseline.

    .venv/bin/python benchmarks/judge_bench.py [--capsules 30] [--repeat 3]

The script uses only the judge's public entry points (judges.validate, judges.grading.grade_attempt), so the
same file measures an older commit too: copy it into a checkout of that commit to get "before" figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codecapsule.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from capsules.languages import LANGUAGES, get_language  # noqa: E402
from capsules.schemas import parse_capsule  # noqa: E402
from judges import validate  # noqa: E402
from judges.runtimes.compare import compare_output  # noqa: E402

TESTS_PER_CAPSULE = 10


def python_capsule(number: int) -> dict:
    """A realistic function with 10 deterministic tests; `number` varies the constants."""
    offset = number % 7
    reference = f"def scaled_sum(values):\n    return sum(v * {offset + 2} for v in values) + {offset}\n"
    tests = []
    for index in range(TESTS_PER_CAPSULE):
        values = list(range(index, index + 4))
        expected = sum(v * (offset + 2) for v in values) + offset
        tests.append(
            {
                "description": f"case {index}",
                "test_call": f"print(scaled_sum({values}))",
                "expected_output": f"{expected}\n",
                "is_hidden": index >= 3,
            }
        )
    return {
        "title": f"Scaled sum #{number}",
        "capsule_type": "CODE",
        "problem_statement_md": "Return the scaled sum.",
        "runtime_config": {"language": "python"},
        "config_data": {
            "boilerplate_code": "def scaled_sum(values):\n    return 0\n",
            "reference_solution": reference,
            "hints": [],
            "test_cases": tests,
        },
    }


def naive_baseline_ms(capsule: dict) -> float:
    """The same validation work as the gate — reference, starting code, reference again — with one fresh,
    unsandboxed python3 process per test, as a simple judge would do it."""
    config = capsule["config_data"]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory, "main.py")
        for source, must_pass in (
            (config["reference_solution"], True),
            (config["boilerplate_code"], False),
            (config["reference_solution"], True),
        ):
            verdicts = []
            for test in config["test_cases"]:
                path.write_text(source + "\n" + test["test_call"] + "\n")
                done = subprocess.run([settings.JUDGE_PYTHON_PATH, str(path)], capture_output=True, text=True, timeout=30)
                verdicts.append(done.returncode == 0 and compare_output(done.stdout, test["expected_output"]).equal)
            assert all(verdicts) if must_pass else not all(verdicts), f"naive baseline disagrees on {capsule['title']}"
    return (time.perf_counter() - started) * 1000


def gate_ms(capsule: dict) -> float:
    draft = parse_capsule(capsule)
    started = time.perf_counter()
    report = validate(draft)
    elapsed = (time.perf_counter() - started) * 1000
    if not report.passed:
        raise SystemExit(f"benchmark capsule {capsule['title']!r} failed the gate: {report.category}: {report.message}")
    return elapsed


def fresh(data: dict, number: int) -> dict:
    """The capsule with a comment that makes its code new text: compilers that keep their last answers by content
    (the warm javac) must compile every repetition, as they would for another capsule."""
    if data["capsule_type"] == "TERMINAL":
        return data
    comment = f"\n{get_language(data['runtime_config']['language']).line_comment} repetition {number}\n"
    config = dict(data["config_data"])
    for field in ("reference_solution", "boilerplate_code"):
        if config.get(field):
            config[field] += comment
    return {**data, "config_data": config}


def other_runtimes() -> dict[str, dict]:
    """One demo-quality capsule per other runtime, each with 10 tests (TERMINAL: tasks instead)."""
    from generation.catalog import catalog_blueprints

    wanted: dict[str, dict | None] = {language.code: None for language in LANGUAGES if language.code != "python"}
    for blueprint in catalog_blueprints():
        data = blueprint.capsule_data()
        language = data["runtime_config"]["language"]
        if language in wanted and wanted[language] is None:
            wanted[language] = data
    missing = [language for language, data in wanted.items() if data is None]
    if missing:
        raise SystemExit(f"the catalog has no capsule for: {', '.join(missing)}")
    return wanted


def ten_tests(data: dict) -> dict:
    """The capsule with exactly 10 tests (its own, repeated or cut), hidden ones kept among them."""
    config = dict(data["config_data"])
    tests = config["test_cases"]
    padded = [tests[index % len(tests)] for index in range(TESTS_PER_CAPSULE)]
    if not any(test.get("is_hidden") for test in padded):
        padded[-1] = next(test for test in tests if test.get("is_hidden"))
    if all(test.get("is_hidden") for test in padded):
        padded[0] = next(test for test in tests if not test.get("is_hidden"))
    config["test_cases"] = padded
    return {**data, "config_data": config}


def learner_capsule(data: dict):
    """An unsaved Capsule that passed the gate, as grading reads it (config and the gate's report)."""
    from capsules.models import Capsule

    draft = parse_capsule(data)
    report = validate(draft)
    if not report.passed:
        raise SystemExit(f"benchmark capsule {data['title']!r} failed the gate: {report.category}: {report.message}")
    return Capsule(
        title=draft.title, capsule_type=draft.capsule_type, problem_statement_md=draft.problem_statement_md,
        language=draft.language, runtime_tier=draft.runtime_tier, config_data=draft.config_data(),
        validation_report=report.model_dump(mode="json"),
    )  # fmt: skip


def right_answer(data: dict) -> str:
    config = data["config_data"]
    if data["capsule_type"] == "TERMINAL":
        return "\n".join(task["solution_commands"] for task in config["tasks"])
    return config["reference_solution"]


def submit_ms(capsule, code: str) -> tuple[float, object]:
    from judges.grading import grade_attempt

    started = time.perf_counter()
    result = grade_attempt(capsule=capsule, code=code, mode="submit")
    return (time.perf_counter() - started) * 1000, result


def learner_submits(repeat: int) -> None:
    """Median ms of a right Submit per language."""
    blueprints = {"python": python_capsule(0), **other_runtimes()}
    for language, data in blueprints.items():
        if data["capsule_type"] == "CODE":
            data = ten_tests(data)
        capsule = learner_capsule(data)
        code = right_answer(data)
        submit_ms(capsule, code)  # warm-up: compile caches of the process, the warm pool's shape
        times = []
        for number in range(repeat):
            # Each a new text, as another learner's would be (the warm javac keeps its last answers by content).
            attempt = fresh({**data, "config_data": {**data["config_data"], "reference_solution": code}}, number)
            elapsed, result = submit_ms(capsule, attempt["config_data"]["reference_solution"] if data["capsule_type"] == "CODE" else code)
            if not result.passed:
                raise SystemExit(f"the right answer to {data['title']!r} did not pass: {result.message}")
            times.append(elapsed)
        work = (
            f"{len(data['config_data']['test_cases'])} tests"
            if data["capsule_type"] == "CODE"
            else "1 query"
            if language == "sql"
            else "the tasks"
        )
        print(f"{language:<10} learner submit median {statistics.median(times):8.1f} ms  ({work}, n={len(times)})")


LOOPING_REFERENCE = "def scaled_sum(values):\n    while True:\n        pass\n"


def failing_fast() -> None:
    """How long a hanging reference costs the gate, and a looping learner waits (10-test Python capsule)."""
    data = python_capsule(1)
    hanging = {**data, "config_data": {**data["config_data"], "reference_solution": LOOPING_REFERENCE}}
    started = time.perf_counter()
    report = validate(parse_capsule(hanging))
    seconds = time.perf_counter() - started
    assert not report.passed
    print(
        f"python  gate rejects a looping reference in {seconds:6.2f} s  "
        f"({report.category}; wall limit {settings.JUDGE_WALL_SECONDS} s, CPU limit {settings.JUDGE_CPU_SECONDS} s)"
    )
    elapsed, result = submit_ms(learner_capsule(data), LOOPING_REFERENCE)
    verdicts = " ".join(test.verdict for test in result.tests)
    print(f"python  a looping learner waits {elapsed / 1000:6.2f} s for a Submit of 10 tests  (verdicts: {verdicts})")


def gate_work(data: dict) -> str:
    """What the gate runs for this capsule, in a few words (the validators in judges/validators/)."""
    config = data["config_data"]
    if data["capsule_type"] == "CODE":
        return f"{len(config['test_cases'])} tests: reference x 2, starting code on test 1"
    if data["capsule_type"] == "DATABASE":
        queries = 1 + bool(config.get("boilerplate_code", "").strip())
        hidden = ", hidden seed + reference twice" if config.get("hidden_seed_sql") else ""
        return f"seed + {queries} queries, then seed + reference again{hidden}"
    return f"{len(config['tasks'])} tasks x 2 sessions"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--capsules", type=int, default=30, help="Python capsules to validate (default 30)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per other-runtime capsule (default 3)")
    parser.add_argument("--only", choices=("gate", "submit", "fail-fast"), help="run one part only")
    args = parser.parse_args()

    print(f"load average {load()} at start; JUDGE_WARM_SANDBOXES={settings.JUDGE_WARM_SANDBOXES}, {os.cpu_count()} CPUs")
    if args.only in (None, "gate"):
        gate_part(args)
    if args.only in (None, "submit"):
        learner_submits(args.repeat)
    if args.only in (None, "fail-fast"):
        failing_fast()
    print(f"load average {load()} at the end")


def gate_part(args: argparse.Namespace) -> None:
    capsules = [python_capsule(number) for number in range(args.capsules)]
    # Warm-up, as a running server would have done: the harness compiled once per process, and the
    # process's warm sandbox pool started (JUDGE_WARM_SANDBOXES).
    gate_ms(capsules[0])
    gate = [gate_ms(capsule) for capsule in capsules]
    naive = [naive_baseline_ms(capsule) for capsule in capsules]
    gate_median, naive_median = statistics.median(gate), statistics.median(naive)
    print(
        f"python  gate (sandboxed, 10 tests)            median {gate_median:7.1f} ms/capsule  "
        f"p90 {statistics.quantiles(gate, n=10)[-1]:7.1f} ms  (n={len(gate)})"
    )
    print(f"python  naive baseline (1 process/test/run) median {naive_median:7.1f} ms/capsule  (n={len(naive)})")
    print(f"python  gate is {naive_median / gate_median:.1f}x faster than the naive baseline")
    for language, data in other_runtimes().items():
        times = [gate_ms(fresh(data, number)) for number in range(args.repeat)]
        print(f"{language:<10} gate median {statistics.median(times):8.1f} ms/capsule  ({gate_work(data)}, n={len(times)})")


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) + " (1, 5, 15 min)"


if __name__ == "__main__":
    main()
