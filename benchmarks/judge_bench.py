#!/usr/bin/env python3
"""Judge benchmark (issue #3 item 7): how long the quality gate takes per capsule.

1. Generates Python capsules with 10 tests each and validates every one through the gate
   (judges.validate: sandboxed reference run, starting-code run and second reference run), then checks
   the same tests with a naive baseline: one unsandboxed `python3` subprocess per test. Prints the median
   milliseconds per capsule for both and their ratio.
2. Prints one line per other runtime (JavaScript, Java, Go, C#, SQL, Bash) with its median milliseconds
   per capsule through the gate.

Targets: a 10-test Python capsule in at most 60 ms median inside the sandbox, and at least 10x faster
than the naive baseline.

    .venv/bin/python benchmarks/judge_bench.py [--capsules 30] [--repeat 3]
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
            {"description": f"case {index}", "test_call": f"print(scaled_sum({values}))", "expected_output": f"{expected}\n", "is_hidden": index >= 3}
        )
    return {
        "title": f"Scaled sum #{number}",
        "capsule_type": "CODE",
        "problem_statement_md": "Return the scaled sum.",
        "runtime_config": {"language": "python"},
        "config_data": {"boilerplate_code": "def scaled_sum(values):\n    return 0\n", "reference_solution": reference, "hints": [], "test_cases": tests},
    }


def naive_baseline_ms(capsule: dict) -> float:
    """The same validation work as the gate — reference, starting code, reference again — with one fresh,
    unsandboxed python3 process per test, as a simple judge would do it."""
    config = capsule["config_data"]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory, "main.py")
        for source, must_pass in ((config["reference_solution"], True), (config["boilerplate_code"], False), (config["reference_solution"], True)):
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


def other_runtimes() -> dict[str, dict]:
    """One demo-quality capsule per other runtime, each with 10 tests (TERMINAL: tasks instead)."""
    from generation.catalog import catalog_blueprints

    wanted = {"javascript": None, "java": None, "go": None, "csharp": None, "sql": None, "bash": None}
    for blueprint in catalog_blueprints():
        data = blueprint.capsule_data()
        language = data["runtime_config"]["language"]
        if language in wanted and wanted[language] is None:
            wanted[language] = data
    missing = [language for language, data in wanted.items() if data is None]
    if missing:
        raise SystemExit(f"the catalog has no capsule for: {', '.join(missing)}")
    return wanted


def gate_work(data: dict) -> str:
    """What the gate runs for this capsule, in a few words (the validators in judges/validators/)."""
    config = data["config_data"]
    if data["capsule_type"] == "CODE":
        return f"{len(config['test_cases'])} tests x 3 runs"
    if data["capsule_type"] == "DATABASE":
        queries = 1 + bool(config.get("boilerplate_code", "").strip())
        return f"seed + {queries} queries, then seed + reference again"
    return f"{len(config['tasks'])} tasks x 2 sessions"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--capsules", type=int, default=30, help="Python capsules to validate (default 30)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per other-runtime capsule (default 3)")
    args = parser.parse_args()

    print(f"load average {load()} at start; JUDGE_WARM_SANDBOXES={settings.JUDGE_WARM_SANDBOXES}, {os.cpu_count()} CPUs")
    capsules = [python_capsule(number) for number in range(args.capsules)]
    # Warm-up, as a running server would have done: the harness compiled once per process, and the
    # process's warm sandbox pool started (JUDGE_WARM_SANDBOXES).
    gate_ms(capsules[0])
    gate = [gate_ms(capsule) for capsule in capsules]
    naive = [naive_baseline_ms(capsule) for capsule in capsules]
    gate_median, naive_median = statistics.median(gate), statistics.median(naive)
    print(f"python  gate (sandboxed, 10 tests, 3 runs)   median {gate_median:7.1f} ms/capsule  p90 {statistics.quantiles(gate, n=10)[-1]:7.1f} ms  (n={len(gate)})")
    print(f"python  naive baseline (1 process/test/run) median {naive_median:7.1f} ms/capsule  (n={len(naive)})")
    print(f"python  gate is {naive_median / gate_median:.1f}x faster than the naive baseline")
    for language, data in other_runtimes().items():
        times = [gate_ms(data) for _ in range(args.repeat)]
        print(f"{language:<10} gate median {statistics.median(times):8.1f} ms/capsule  ({gate_work(data)}, n={len(times)})")
    print(f"load average {load()} at the end")


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) + " (1, 5, 15 min)"


if __name__ == "__main__":
    main()
