"""The whole flywheel, end to end, as a creator and staff meet it: generate a capsule, edit it on the
dashboard, see the edit on the feedback dashboard and in the insights API, export it as training data, and
start a fine-tuning job against a configured (fake, loopback) OpenAI-compatible endpoint."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django_q.conf import Conf

from capsules.models import Capsule
from capsules.tests.test_views_edit import page_post
from feedback.finetune.services import finetune_start
from feedback.models import CreatorEdit, FineTuneStatus, NetCorrection
from generation.models import GenerationJob, JobStatus
from generation.services import generation_job_create
from tests.fake_openai import FakeOpenAI

NEW_STATEMENT = "Count the words of `text`: runs of characters between spaces, tabs or line breaks."


@pytest.mark.django_db
def test_a_generated_capsule_edited_on_the_dashboard_becomes_a_fine_tuning_job(
    settings, monkeypatch, owner, staff, django_capture_on_commit_callbacks
):
    # 1. Generate offline (the built-in catalog), running the job in this process.
    settings.LLM_PROVIDER = "catalog"
    monkeypatch.setattr(Conf, "SYNC", True)
    with django_capture_on_commit_callbacks(execute=True):
        job = generation_job_create(creator=owner, capsule_type="CODE", language="python", difficulty="easy", prompt="count words")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    capsule = job.result_capsule

    # 2. The creator corrects the statement on the dashboard.
    creator = Client()
    creator.force_login(owner)
    edit_url = reverse("capsules:edit", kwargs={"capsule_id": capsule.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = creator.post(edit_url, page_post(creator, edit_url, problem_statement_md=NEW_STATEMENT))
    assert response.status_code == 302
    [edit] = CreatorEdit.objects.all()
    assert (edit.field_path, edit.edit_type, edit.source, edit.generation_job) == (
        "problem_statement_md", "statement_rewrite", "dashboard", job
    )

    # 3. It shows on the feedback dashboard and in the insights API, as a net correction of the job's output.
    [correction] = NetCorrection.objects.all()
    assert (correction.field_path, correction.corrected_value, correction.generation_job) == (
        "problem_statement_md", NEW_STATEMENT, job
    )
    dashboard = creator.get(reverse("feedback:dashboard")).content.decode()
    assert "problem_statement_md" in dashboard
    insights = creator.get("/api/feedback/insights?days=7").json()
    assert json.dumps(insights).count("statement_rewrite") >= 1

    # 4. Staff export it as a training example carrying the corrected capsule.
    operator = Client()
    operator.force_login(staff)
    exported = operator.get("/api/feedback/training-data")
    assert exported.status_code == 200
    [example] = [json.loads(line) for line in exported.content.decode().splitlines()]
    roles = [message["role"] for message in example["messages"]]
    assert roles == ["system", "user", "assistant"]
    assert NEW_STATEMENT in example["messages"][2]["content"]

    # 5. And start a fine-tuning job against a configured endpoint.
    settings.FINE_TUNE_MIN_EXAMPLES = 1  # OpenAI's own minimum is 10; one corrected capsule is this test's data
    with FakeOpenAI() as fake:
        fake.configure(settings)
        fine_tune = finetune_start(actor=staff)
        uploaded = [request for request in fake.requests if request.path == "/v1/files"]
    assert len(uploaded) == 1 and fine_tune.examples == 1
    assert fine_tune.status == FineTuneStatus.VALIDATING_FILES
    assert Capsule.objects.get(pk=capsule.pk).problem_statement_md == NEW_STATEMENT
    assert GenerationJob.objects.count() == 1
