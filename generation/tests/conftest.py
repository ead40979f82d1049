"""Fixtures for generation tests (`fake_openai` is in the root conftest: feedback needs it too)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _tasks_run_synchronously(monkeypatch) -> None:
    """django-q2's sync mode: async_task runs the task in the calling process instead of queueing it.

    django-q2 reads `Q_CLUSTER["sync"]` once, into `django_q.conf.Conf.SYNC`, when django_q.conf is imported;
    `async_task` and the worker consult Conf.SYNC on every call, so the class attribute is what to set
    (changing settings.Q_CLUSTER afterwards changes nothing). The task still runs only when the job's
    transaction commits (`transaction.on_commit`): a test on the `db` fixture (one transaction) runs it with
    `django_capture_on_commit_callbacks(execute=True)`, a `transactional_db` test at once.
    test_qcluster.py turns this off to hand the job to a real cluster.
    """
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture(autouse=True)
def _fresh_structured_output_memory(monkeypatch) -> None:
    """Each test starts with no server remembered as lacking json_schema support (generation/llm/client.py keeps
    that per process), so a test's JSON-mode fallback cannot change how the next test's client asks."""
    from generation.llm import client as llm_client_module

    monkeypatch.setattr(llm_client_module, "_NO_STRUCTURED_OUTPUTS", set())


# A judge report of a draft whose reference solution prints the wrong thing (judges.reports.ValidationReport).
WRONG_OUTPUT_REPORT: dict[str, Any] = {
    "passed": False,
    "category": "wrong_output",
    "message": "The reference solution fails test 2 (two words): expected 2, got 3.",
    "capsule_type": "CODE",
    "language": "python",
    "steps": [],
    "tests": [
        {"index": 0, "description": "one word", "call": "print(count_words('hi'))", "expected": "1",
         "actual": "1", "verdict": "AC"},
        {"index": 1, "description": "two words", "call": "print(count_words('hi there'))", "expected": "2",
         "actual": "3", "verdict": "WA", "is_hidden": True},
    ],
    "tasks": [],
    "seconds": 0.12,
}  # fmt: skip


@pytest.fixture
def make_job(db):
    """make_job(creator, status="failed", steps=[{"agent": "coder", ...}], **job_fields) → a GenerationJob.

    Handmade jobs for pages, API and metrics tests; a step dict gets its position from its place in the list.
    """
    from datetime import timedelta

    from django.utils import timezone

    from generation.models import AgentStep, GenerationJob

    def make(creator, *, steps: Sequence[dict] = (), created_ago: timedelta | None = None, **fields) -> GenerationJob:
        values = {"capsule_type": "CODE", "language": "python", "difficulty": "easy", "prompt": "count words",
                  "provider": "catalog", **fields}  # fmt: skip
        job = GenerationJob.objects.create(creator=creator, **values)
        if created_ago is not None:  # created_at is auto_now_add: move it afterwards
            GenerationJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - created_ago)
            job.refresh_from_db()
        for position, step in enumerate(steps, start=1):
            AgentStep.objects.create(job=job, position=position, **step)
        return job

    return make
