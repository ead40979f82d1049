#!/usr/bin/env python3
"""Generation benchmark: the pipeline's own overhead around the model's time.

A CODE capsule that needs one heal runs through the whole pipeline against the fake OpenAI-compatible
server (tests/fake_openai), which adds a fixed latency to every chat completion as a stand-in for model
time: Pedagogist → Coder (a reference with a bug) → judge (fails) → Debugger (fixes it) → judge (passes) →
capsule_create (judges again, saves). For each run it prints:

    total      wall time of generation_run(job)
    llm        job.llm_seconds: time the agents waited for the model (3 calls × the fixed latency + HTTP)
    overhead   total - llm: everything the pipeline does itself, the three judgements included
    judge      job.judge_seconds: the sandbox's share of the overhead
    own        overhead - judge: prompts, parsing, step rows, transactions

Target: overhead at most 1 s (median of the runs after a warm-up run, which is printed too).

With --hanging it measures failing fast instead: a job whose every draft has a reference that never returns
(10 tests; the Coder's drafts loop, so they run out of CPU time, the Debugger's sleep, so they run out of wall
time) heals until GENERATION_MAX_HEALS and fails as `timeout`. It runs with the settings' judge limits
(JUDGE_WALL_SECONDS, JUDGE_CPU_SECONDS) and prints, for each judgement of a draft (the judge step's recorded
time), its seconds, the verdicts and the failing test's CPU and wall time, against the target: at most one wall
limit plus a second per judgement (the gate stops at its first test that runs out of time, the rest are NR).
It runs one hanging job unless --runs says otherwise, after one normal one-heal job to warm the judge up.

It sets up Django by itself with a throwaway SQLite database in a temporary directory (migrated first), so
it runs standalone and touches no real data:

    .venv/bin/python benchmarks/generation_bench.py [--runs 5] [--latency 0.2] [--hanging]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_openai import FakeOpenAI, reply  # noqa: E402  (no Django needed)

IDEA = {
    "title": "Add two numbers",
    "learning_objectives": ["Define a function with two parameters", "Return a value"],
    "concepts": ["functions", "return"],
    "description": "Learners write add(a, b), which returns the sum of two integers, including negatives.",
    "difficulty_rationale": "Easy: one expression in one function.",
}


def code_draft(reference: str) -> dict:
    calls = [("two positives", "add(2, 3)", 5, False), ("opposites", "add(-1, 1)", 0, False),
             ("bigger numbers", "add(10, 20)", 30, True), ("two negatives", "add(-4, -6)", -10, True),
             ("zeros", "add(0, 0)", 0, True), ("large", "add(123456, 654321)", 777777, True)]  # fmt: skip
    return {
        "title": "Add two numbers",
        "problem_statement_md": "Write `add(a, b)` that returns the sum of two integers.\n\n`add(2, 3)` is `5`.",
        "boilerplate_code": "def add(a, b):\n    # Return the sum of a and b.\n    return 0\n",
        "reference_solution": reference,
        "hints": ["The + operator adds numbers.", "Return the result instead of printing it."],
        "test_cases": [
            {"description": name, "test_call": f"print({call})", "expected_output": f"{value}\n", "is_hidden": hidden}
            for name, call, value, hidden in calls
        ],
    }


BUGGY = code_draft("def add(a, b):\n    return a - b\n")
FIXED = {"diagnosis": "The reference subtracted; it now adds.", "draft": code_draft("def add(a, b):\n    return a + b\n")}


# The Solver's answer to the fixed capsule: the statement check runs it on every test (and agrees).
SOLVED = {"approach": "Return the sum.", "solution": "def add(a, b):\n    return a + b\n"}

def hanging_draft(reference: str) -> dict:
    """A draft with 10 tests whose reference never returns."""
    draft = code_draft(reference)
    draft["test_cases"] += [
        {
            "description": f"more numbers {n}", "test_call": f"print(add({n}, {n + 1}))",
            "expected_output": f"{2 * n + 1}\n", "is_hidden": True,
        }
        for n in range(1, 5)
    ]  # fmt: skip
    return draft


LOOPING = hanging_draft("def add(a, b):\n    while True:\n        pass\n")  # runs out of CPU time
SLEEPING = hanging_draft("import time\n\n\ndef add(a, b):\n    time.sleep(60)\n    return a + b\n")  # out of wall time
SLEEPING_FIX = {"diagnosis": "add looped forever; it now waits and returns.", "draft": SLEEPING}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="measured runs after one warm-up run (default 5; with --hanging, jobs: default 1)")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds the fake model adds per call (default 0.2)")
    parser.add_argument("--hanging", action="store_true", help="measure a job whose every draft hangs (failing fast)")
    args = parser.parse_args()
    if args.runs is None:
        args.runs = 1 if args.hanging else 5

    with tempfile.TemporaryDirectory(prefix="generation-bench-") as tmp, FakeOpenAI(latency=args.latency) as fake:
        # Settings are read from the environment once, at django.setup(): point them at the fake and a fresh DB.
        os.environ["DJANGO_SETTINGS_MODULE"] = "codecapsule.settings"
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ["LLM_PROVIDER"] = "openai"
        os.environ["OPENAI_BASE_URL"] = fake.base_url
        os.environ["OPENAI_API_KEY"] = "sk-bench-fake-key"
        os.environ["GENERATION_MAX_HEALS"] = "3"

        import logging

        import django

        django.setup()
        for name in ("httpx", "httpx2", "openai", "generation"):  # one line per request would bury the figures
            logging.getLogger(name).setLevel(logging.WARNING)

        from django.conf import settings
        from django.contrib.auth.models import User
        from django.core.management import call_command

        settings.MEDIA_ROOT = Path(tmp) / "media"
        call_command("migrate", verbosity=0)

        from generation.models import GenerationJob
        from generation.services import generation_run

        creator = User.objects.create_user("bench", "bench@example.com", "bench-pass-123")
        if args.hanging:
            return hanging_jobs(fake, creator, args.runs)
        print(
            f"fake model latency {args.latency * 1000:.0f} ms per call; CODE/python capsule that needs one heal, then the "
            "statement check"
        )
        print(f"{'run':>6} {'total s':>8} {'llm s':>7} {'overhead s':>10} {'judge s':>8} {'own s':>6}  steps")
        rows = []
        for run in range(args.runs + 1):
            fake.script(reply(IDEA), reply(BUGGY), reply(FIXED), reply(SOLVED))
            job = GenerationJob.objects.create(
                creator=creator, capsule_type="CODE", language="python", difficulty="easy",
                prompt="a function that adds two numbers", provider="openai",
            )  # fmt: skip
            started = time.perf_counter()
            job = generation_run(job)
            total = time.perf_counter() - started
            agents = "→".join(step.agent for step in job.steps.order_by("position"))
            check = (job.statement_check or {}).get("status")
            if job.status != "succeeded" or job.heals != 1 or check != "agreed":
                print(f"run {run} did not succeed with one heal and an agreeing statement check: {job.status} "
                      f"{job.error_category} {job.error} {check}")
                return 2
            overhead = total - job.llm_seconds
            row = (total, job.llm_seconds, overhead, job.judge_seconds, overhead - job.judge_seconds)
            label = "warm-up" if run == 0 else str(run)
            print(f"{label:>6} {row[0]:8.3f} {row[1]:7.3f} {row[2]:10.3f} {row[3]:8.3f} {row[4]:6.3f}  {agents}")
            if run:
                rows.append(row)

        medians = [statistics.median(column) for column in zip(*rows, strict=True)]
        print(
            f"median total {medians[0]:.3f} s, LLM {medians[1]:.3f} s, pipeline overhead excluding LLM "
            f"{medians[2]:.3f} s (judge {medians[3]:.3f} s, own {medians[4]:.3f} s)"
        )
        met = medians[2] <= 1.0
        print(f"target: overhead at most 1 s — {'met' if met else 'NOT met'}")
        return 0 if met else 1


def hanging_jobs(fake, creator, runs: int) -> int:
    """Jobs whose every draft hangs: the seconds of each judgement against one wall limit plus a second."""
    from django.conf import settings

    from generation.models import GenerationJob
    from generation.services import generation_run

    def new_job() -> GenerationJob:
        return GenerationJob.objects.create(
            creator=creator, capsule_type="CODE", language="python", difficulty="easy",
            prompt="a function that adds two numbers", provider="openai",
        )  # fmt: skip

    wall, cpu = settings.JUDGE_WALL_SECONDS, settings.JUDGE_CPU_SECONDS
    target = wall + 1.0
    fake.script(reply(IDEA), reply(BUGGY), reply(FIXED), reply(SOLVED))  # warm-up: the normal job, one heal
    warm = generation_run(new_job())
    judged = warm.steps.filter(agent="judge").count()
    print(f"warm-up: the normal one-heal job {warm.status}, {judged} judgements in {warm.judge_seconds:.3f} s")
    print(
        f"judge limits: wall {wall} s, CPU {cpu} s per test (JUDGE_WALL_SECONDS, JUDGE_CPU_SECONDS); "
        f"GENERATION_MAX_HEALS={settings.GENERATION_MAX_HEALS}, regenerate after {settings.GENERATION_REGENERATE_AFTER_HEALS}"
    )
    print(f"load average {' '.join(f'{value:.2f}' for value in os.getloadavg())} (1, 5, 15 min), {os.cpu_count()} CPUs")
    print(f"every draft's reference hangs (10 tests); target: each judgement at most one wall limit plus a second = {target:.0f} s")
    print(f"{'job':>4} {'#':>2} {'draft by':<9} {'judge s':>8} {'target':>7}  {'failing test cpu/wall s':<24} verdicts")
    worst, all_met = 0.0, True
    for run in range(1, runs + 1):
        fake.script(reply(IDEA), reply(LOOPING), reply(SLEEPING_FIX), reply(SLEEPING_FIX), reply(LOOPING))
        started = time.perf_counter()
        job = generation_run(new_job())
        total = time.perf_counter() - started
        author = ""
        judged = 0
        for step in job.steps.order_by("position"):
            if step.agent != "judge":
                author = step.agent
                continue
            judged += 1
            seconds = step.latency_ms / 1000
            tests = step.report.get("tests") or []
            verdicts = [test["verdict"] for test in tests]
            counts = " ".join(f"{verdict}x{verdicts.count(verdict)}" for verdict in dict.fromkeys(verdicts))
            failing = next((test for test in tests if test["verdict"] not in ("AC", "NR")), None)
            limit = "-"
            if failing:
                limit = f"{(failing.get('cpu_ms') or 0) / 1000:.2f}/{(failing.get('wall_ms') or 0) / 1000:.2f} ({failing['verdict']})"
            met = seconds <= target
            all_met = all_met and met
            worst = max(worst, seconds)
            print(f"{run:>4} {judged:>2} {author:<9} {seconds:8.3f} {'met' if met else 'NOT met':>7}  {limit:<24} {counts}")
        if job.status != "failed" or job.error_category != "timeout":
            print(f"job {run} did not fail as a timeout: {job.status} {job.error_category} {job.error}")
            return 2
        print(
            f"job {run}: failed ({job.error_category}) after {job.heals} heals in {total:.3f} s; judge {job.judge_seconds:.3f} s "
            f"over {judged} judgements = {job.judge_seconds / judged:.3f} s each; LLM {job.llm_seconds:.3f} s"
        )
    verdict = "met" if all_met else "NOT met"
    print(f"target: each judgement of a hanging draft at most {target:.0f} s (wall {wall} s + 1 s), worst {worst:.3f} s — {verdict}")
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
