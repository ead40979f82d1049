"""The fine-tuning pages: staff start a job (POST), follow it on its page (htmx polling while it runs), choose its
model for the Coder; everyone else gets 403. And the dashboard's fine-tuning panel."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from feedback.finetune.selectors import finetune_panel_context
from feedback.models import FineTuneJob, FineTuneStatus
from feedback.tests.training_samples import corrected_capsule
from feedback.training.build import training_set_summary
from generation.llm.config import model_for

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def started(staff) -> FineTuneJob:
    response = logged_in(staff).post(reverse("feedback:finetune_start"), {"base_model": "gpt-4o-mini-2024-07-18"})
    job = FineTuneJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:finetune_detail", args=[job.pk])
    return job


def succeeded_job(**fields) -> FineTuneJob:
    values = {"provider": "openai", "provider_job_id": "ftjob-done", "training_file_id": "file-1", "base_model": "gpt-4o-mini-2024-07-18",
              "status": FineTuneStatus.SUCCEEDED, "fine_tuned_model": "ft:gpt-4o-mini-2024-07-18:codecapsule-coder::done", "examples": 12,
              "events": [{"id": "ev-1", "created_at": 1700000000, "level": "info",
                          "message": "The job has successfully completed"}]}  # fmt: skip
    return FineTuneJob.objects.create(**{**values, **fields})


# --- Start -----------------------------------------------------------------------------------------------


def test_staff_start_a_job_from_the_dashboard_and_land_on_its_page(fake_openai, two_examples, staff):
    job = started(staff)

    assert (job.examples, job.created_by) == (2, staff)


def test_a_refused_start_goes_back_to_the_panel_with_the_reason(fake_openai, staff, owner):
    corrected_capsule(owner, "Only one")
    client = logged_in(staff)

    response = client.post(reverse("feedback:finetune_start"), follow=False)

    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:dashboard") + "#fine-tuning"
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["Fine-tuning needs at least 10 examples; there is 1."]
    assert not FineTuneJob.objects.exists()


def test_a_creator_cannot_start_a_job(fake_openai, two_examples, owner):
    response = logged_in(owner).post(reverse("feedback:finetune_start"))

    assert response.status_code == 403
    assert fake_openai.requests == []


def test_starting_needs_a_login_and_a_post(client, staff):
    anonymous = client.post(reverse("feedback:finetune_start"))

    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert logged_in(staff).get(reverse("feedback:finetune_start")).status_code == 405


# --- The job page ----------------------------------------------------------------------------------------


def test_the_job_page_asks_the_provider_and_polls_itself_while_the_job_runs(fake_openai, two_examples, staff):
    job = started(staff)
    client = logged_in(staff)

    page = client.get(reverse("feedback:finetune_detail", args=[job.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Queued" in html and "Created fine-tuning job" in html
    assert 'hx-trigger="every 10s"' in html
    assert "<html" in html

    poll = client.get(reverse("feedback:finetune_detail", args=[job.pk]), **HTMX)

    poll_html = poll.content.decode()
    assert "<html" not in poll_html and 'id="finetune-status"' in poll_html
    assert "Running" in poll_html and "Fine-tuning job started" in poll_html
    assert poll["Cache-Control"] == "no-store"


def test_a_finished_job_stops_polling_and_offers_its_model_for_the_coder(fake_openai, staff):
    job = succeeded_job()

    html = logged_in(staff).get(reverse("feedback:finetune_detail", args=[job.pk]), **HTMX).content.decode()

    assert "hx-trigger" not in html
    assert "ft:gpt-4o-mini-2024-07-18:codecapsule-coder::done" in html
    assert "Use for the Coder" in html
    assert "The job has successfully completed" in html
    assert fake_openai.requests == []  # a finished job with its events is not asked about again


def test_a_job_page_says_when_the_provider_cannot_be_reached(settings, staff):
    settings.LLM_PROVIDER = "catalog"
    job = succeeded_job(status=FineTuneStatus.RUNNING, fine_tuned_model="")

    page = logged_in(staff).get(reverse("feedback:finetune_detail", args=[job.pk]))

    assert page.status_code == 200
    assert "needs an OpenAI or Azure OpenAI provider" in page.content.decode()


def test_only_staff_see_a_job_page(owner, staff):
    job = succeeded_job()

    assert logged_in(owner).get(reverse("feedback:finetune_detail", args=[job.pk])).status_code == 403
    assert logged_in(staff).get(reverse("feedback:finetune_detail", args=["00000000-0000-0000-0000-000000000000"])).status_code == 404


# --- Use for the Coder -----------------------------------------------------------------------------------


def test_staff_choose_a_succeeded_jobs_model_for_the_coder(fake_openai, staff, settings):
    settings.LLM_MODEL_CODER = "configured-coder"
    job = succeeded_job()

    response = logged_in(staff).post(reverse("feedback:finetune_use", args=[job.pk]), {"next": "detail"})

    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:finetune_detail", args=[job.pk])
    assert model_for("coder") == job.fine_tuned_model

    logged_in(staff).post(reverse("feedback:finetune_use", args=[job.pk]), {"use": "0"})
    assert model_for("coder") == "configured-coder"


def test_a_creator_cannot_choose_the_coders_model(fake_openai, owner):
    job = succeeded_job()

    assert logged_in(owner).post(reverse("feedback:finetune_use", args=[job.pk])).status_code == 403
    job.refresh_from_db()
    assert job.used_for_coder is False


# --- The dashboard panel ---------------------------------------------------------------------------------


def test_the_panel_shows_staff_the_training_set_the_start_form_and_the_jobs(fake_openai, two_examples, staff):
    job = succeeded_job()

    html = render_to_string("feedback/_finetune_panel.html", finetune_panel_context(staff, summary=training_set_summary(staff)))

    assert '<strong data-testid="training-examples">2</strong>' in html
    assert reverse("feedback:finetune_start") in html and "Start fine-tuning job" in html
    assert reverse("feedback:finetune_detail", args=[job.pk]) in html
    assert reverse("feedback:finetune_use", args=[job.pk]) in html and "Use for the Coder" in html


def test_the_panel_shows_a_creator_their_own_training_set_and_no_jobs(fake_openai, two_examples, owner):
    succeeded_job()

    html = render_to_string("feedback/_finetune_panel.html", finetune_panel_context(owner, summary=training_set_summary(owner)))

    assert '<strong data-testid="training-examples">1</strong>' in html
    assert "Start fine-tuning job" not in html
    assert "ftjob-done" not in html


def test_the_panel_disables_the_start_button_below_the_minimum(fake_openai, staff, owner):
    corrected_capsule(owner, "Only one")

    html = render_to_string("feedback/_finetune_panel.html", finetune_panel_context(staff, summary=training_set_summary(staff)))

    assert "disabled" in html and "Fine-tuning needs at least 10 examples." in html


# --- Training data download ------------------------------------------------------------------------------


def test_staff_download_the_exact_jsonl_a_job_uploaded(fake_openai, two_examples, staff, owner):
    job = started(staff)
    [upload] = [r for r in fake_openai.requests if r.path == "/v1/files"]
    url = reverse("feedback:finetune_training_data", args=[job.pk])

    page = logged_in(staff).get(reverse("feedback:finetune_detail", args=[job.pk]))
    response = logged_in(staff).get(url)

    assert url in page.content.decode()
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == upload.files["file"][1]
    assert response["Content-Disposition"] == f'attachment; filename="training-data-{job.provider_job_id}.jsonl"'
    assert logged_in(owner).get(url).status_code == 403


def test_a_job_without_a_stored_export_answers_404(staff):
    job = succeeded_job()
    assert logged_in(staff).get(reverse("feedback:finetune_training_data", args=[job.pk])).status_code == 404
