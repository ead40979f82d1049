"""manage.py start_fine_tune --actor STAFF [--base-model M]: the dashboard's start button from a shell, with the
same refusals as CommandErrors."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from feedback.models import FineTuneJob
from feedback.tests.training_samples import corrected_capsule

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    stdout = io.StringIO()
    call_command("start_fine_tune", *args, stdout=stdout)
    return stdout.getvalue()


def test_staff_start_a_job_and_are_told_where_to_follow_it(fake_openai, two_examples, staff):
    output = run("--actor", "staff", "--base-model", "gpt-4.1-mini-2025-04-14")

    job = FineTuneJob.objects.get()
    assert (job.base_model, job.examples, job.created_by) == ("gpt-4.1-mini-2025-04-14", 2, staff)
    assert f"started fine-tuning job {job.provider_job_id} (validating_files)" in output
    assert f"/feedback/fine-tuning/{job.pk}/" in output


def test_a_creator_who_is_not_staff_is_refused(fake_openai, two_examples, owner):
    with pytest.raises(CommandError, match="--actor: owner is not staff"):
        run("--actor", "owner")

    assert fake_openai.requests == []


def test_too_few_examples_are_refused_with_the_count(fake_openai, staff, owner):
    corrected_capsule(owner, "Only one")

    with pytest.raises(CommandError, match=r"^Fine-tuning needs at least 10 examples; there is 1\.$"):
        run("--actor", "staff")


def test_an_unknown_actor_is_refused(fake_openai):
    with pytest.raises(CommandError, match="--actor: no user named 'nobody'"):
        run("--actor", "nobody")
