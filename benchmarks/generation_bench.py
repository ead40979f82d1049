#!/usr/bin/env python3
"""Generation benchmark (issue #4 item 10): the pipeline's own overhead around the model's time.

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

It sets up Django by itself with a throwaway SQLite database in a temporary directory (migrated first), so
it runs standalone and touches no real data:

    .venv/bin/python benchmarks/generation_bench.py [--runs 5] [--latency 0.2]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs after one warm-up run (default 5)")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds the fake model adds per call (default 0.2)")
    args = parser.parse_args()

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
        print(f"fake model latency {args.latency * 1000:.0f} ms per call; CODE/python capsule that needs one heal")
        print(f"{'run':>6} {'total s':>8} {'llm s':>7} {'overhead s':>10} {'judge s':>8} {'own s':>6}  steps")
        rows = []
        for run in range(args.runs + 1):
            fake.script(reply(IDEA), reply(BUGGY), reply(FIXED))
            job = GenerationJob.objects.create(
                creator=creator, capsule_type="CODE", language="python", difficulty="easy",
                prompt="a function that adds two numbers", provider="openai",
            )  # fmt: skip
            started = time.perf_counter()
            job = generation_run(job)
            total = time.perf_counter() - started
            agents = "→".join(step.agent for step in job.steps.order_by("position"))
            if job.status != "succeeded" or job.heals != 1:
                print(f"run {run} did not succeed with one heal: {job.status} {job.error_category} {job.error}")
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


if __name__ == "__main__":
    sys.exit(main())
