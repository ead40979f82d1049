"""Fine-tuning (feedback.finetune), against the fake OpenAI-compatible server over loopback: staff upload the
training set and create a supervised job, the schedule polls it to the end, and a succeeded job's model can
become the Coder's (generation.llm.config.model_for, through the registered override). Refusals: too few
examples, not staff, no provider, a job already running."""

from __future__ import annotations

import importlib
import json
import socket

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.utils.module_loading import import_string
from django_q.models import Schedule
from pydantic import BaseModel

from codecapsule.errors import ApplicationError, Conflict
from feedback.finetune.selectors import coder_model_override, finetune_panel_context
from feedback.finetune.services import FineTuneUnavailable, finetune_poll, finetune_start, finetune_use
from feedback.finetune.tasks import poll_fine_tune_jobs
from feedback.models import FineTuneJob, FineTuneStatus
from feedback.tests.training_samples import corrected_capsule
from feedback.training.build import training_examples, training_set_summary
from generation.llm import get_llm_client
from generation.llm.config import model_for
from tests.fake_openai import FakeOpenAI, FineTuningScript, reply

pytestmark = pytest.mark.django_db


def poll_until_finished(job: FineTuneJob, *, limit: int = 10) -> FineTuneJob:
    for _ in range(limit):
        job = finetune_poll(job=job)
        if job.is_finished:
            return job
    raise AssertionError(f"job still {job.status} after {limit} polls")


def finished_job(**fields) -> FineTuneJob:
    values = {"provider": "openai", "provider_job_id": "ftjob-old", "training_file_id": "file-old", "base_model": "gpt-4o-mini-2024-07-18",
              "status": FineTuneStatus.SUCCEEDED, "fine_tuned_model": "ft:gpt-4o-mini-2024-07-18:codecapsule-coder::old",
              "examples": 12, **fields}  # fmt: skip
    return FineTuneJob.objects.create(**values)


# --- Start ---------------------------------------------------------------------------------------------


def test_staff_upload_the_training_set_and_create_a_supervised_job(fake_openai, two_examples, staff, settings):
    settings.FINE_TUNE_EPOCHS = 3

    job = finetune_start(actor=staff)

    [upload] = [r for r in fake_openai.requests if r.path == "/v1/files"]
    assert upload.form["purpose"] == "fine-tune"
    filename, content = upload.files["file"]
    assert filename.endswith(".jsonl")
    assert [json.loads(line) for line in content.decode().splitlines()] == training_examples()
    [create] = [r for r in fake_openai.requests if r.path == "/v1/fine_tuning/jobs"]
    assert create.body == {
        "training_file": job.training_file_id,
        "model": "gpt-4o-mini-2024-07-18",
        "suffix": "codecapsule-coder",
        "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3}}},
    }
    job.refresh_from_db()
    with default_storage.open(job.training_export, "rb") as kept:
        assert kept.read() == content  # our copy of exactly what was uploaded
    assert job.provider_job_id.startswith("ftjob-")
    assert job.training_file_id in fake_openai.files
    assert (job.provider, job.status, job.examples, job.created_by, job.used_for_coder) == (
        "openai", FineTuneStatus.VALIDATING_FILES, 2, staff, False
    )


def test_a_base_model_can_be_named_and_epochs_default_to_auto(fake_openai, two_examples, staff):
    job = finetune_start(actor=staff, base_model="gpt-4.1-mini-2025-04-14")

    create = [r for r in fake_openai.requests if r.path == "/v1/fine_tuning/jobs"][0]
    assert create.body["model"] == job.base_model == "gpt-4.1-mini-2025-04-14"
    assert create.body["method"]["supervised"]["hyperparameters"] == {"n_epochs": "auto"}


def test_fewer_examples_than_the_minimum_are_refused_before_anything_is_uploaded(fake_openai, staff, owner):
    for title in ("One", "Two", "Three"):
        corrected_capsule(owner, title)

    with pytest.raises(ApplicationError) as refused:
        finetune_start(actor=staff)

    assert refused.value.message == "Fine-tuning needs at least 10 examples; there are 3."
    assert fake_openai.requests == []
    assert not FineTuneJob.objects.exists()


def test_a_creator_who_is_not_staff_is_refused(fake_openai, two_examples, owner):
    with pytest.raises(PermissionDenied):
        finetune_start(actor=owner)

    assert fake_openai.requests == []


def test_without_a_network_provider_it_refuses_and_says_why(settings, two_examples, staff):
    settings.LLM_PROVIDER = "catalog"

    with pytest.raises(FineTuneUnavailable, match="needs an OpenAI or Azure OpenAI provider"):
        finetune_start(actor=staff)


def test_a_second_job_is_refused_while_one_is_unfinished(fake_openai, two_examples, staff):
    first = finetune_start(actor=staff)

    with pytest.raises(Conflict, match=f"already validating files \\({first.provider_job_id}\\)"):
        finetune_start(actor=staff)

    assert FineTuneJob.objects.count() == 1


def test_a_provider_error_is_reported_and_no_row_is_stored(settings, two_examples, staff):
    with FakeOpenAI(api_key="sk-the-real-key") as fake:
        fake.configure(settings, api_key="sk-a-wrong-key")

        with pytest.raises(FineTuneUnavailable) as refused:
            finetune_start(actor=staff)

    assert refused.value.message == "The provider could not start the fine-tuning job: Incorrect API key provided. (HTTP 401)"
    assert not FineTuneJob.objects.exists()
    assert not default_storage.exists("training-exports") or default_storage.listdir("training-exports")[1] == []


def test_a_blank_base_model_is_refused(fake_openai, two_examples, staff, settings):
    settings.FINE_TUNE_BASE_MODEL = ""

    with pytest.raises(ApplicationError, match="Name a base model"):
        finetune_start(actor=staff, base_model="  ")


# --- Poll ----------------------------------------------------------------------------------------------


def test_polling_follows_the_job_to_success_with_its_model_and_events(fake_openai, two_examples, staff):
    job = finetune_start(actor=staff)

    seen = [finetune_poll(job=job).status]
    while not job.is_finished:
        seen.append(finetune_poll(job=job).status)

    assert seen == ["queued", "running", "succeeded"]
    job.refresh_from_db()
    assert job.fine_tuned_model.startswith("ft:gpt-4o-mini-2024-07-18:codecapsule-coder::")
    assert (job.trained_tokens, job.error, job.poll_error) == (4242, "", "")
    assert job.finished_at is not None
    messages = [event["message"] for event in job.events]
    assert messages[0].startswith("Created fine-tuning job")
    assert messages[-1] == "The job has successfully completed"
    assert len(messages) == len({event["id"] for event in job.events}) == 5  # each event once, oldest first


def test_a_failed_job_keeps_the_providers_reason_and_cannot_be_used(fake_openai, two_examples, staff):
    fake_openai.script_fine_tuning(FineTuningScript(statuses=("validating_files", "failed")))
    job = poll_until_finished(finetune_start(actor=staff))

    assert job.status == FineTuneStatus.FAILED
    assert job.error == "[invalid_training_file] The training file is not valid JSONL."
    with pytest.raises(ApplicationError, match="Only a job that succeeded"):
        finetune_use(job=job, actor=staff)


def test_an_unreachable_provider_leaves_the_status_and_records_why(fake_openai, two_examples, staff, settings):
    job = finetune_start(actor=staff)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.OPENAI_BASE_URL = f"http://127.0.0.1:{closed.getsockname()[1]}/v1"
    settings.LLM_MAX_RETRIES = 0

    with pytest.raises(FineTuneUnavailable, match="could not check the fine-tuning job: could not reach"):
        finetune_poll(job=job)

    job.refresh_from_db()
    assert job.status == FineTuneStatus.VALIDATING_FILES
    assert "could not reach" in job.poll_error


def test_the_scheduled_task_polls_every_unfinished_job_and_only_those(fake_openai, two_examples, staff):
    running = finetune_start(actor=staff)
    finished = finished_job()

    assert poll_fine_tune_jobs() == 1

    running.refresh_from_db()
    assert running.status == "queued"
    job_paths = {r.path for r in fake_openai.requests if r.method == "GET"}
    assert job_paths == {f"/v1/fine_tuning/jobs/{running.provider_job_id}", f"/v1/fine_tuning/jobs/{running.provider_job_id}/events"}
    assert finished.provider_job_id not in str(job_paths)


def test_a_migration_schedules_the_poll_every_few_minutes(settings):
    schedule = Schedule.objects.get(name="Poll fine-tuning jobs")

    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "feedback.finetune.tasks.poll_fine_tune_jobs", Schedule.MINUTES, settings.FINE_TUNE_POLL_MINUTES, -1
    )
    assert import_string(schedule.func) is poll_fine_tune_jobs


def test_the_migration_that_moved_the_poll_task_points_the_schedule_there_and_back():
    migration = importlib.import_module("feedback.migrations.0009_finetune_package_paths")
    schedule = Schedule.objects.get(name="Poll fine-tuning jobs")

    migration.point_at_old_path(apps, None)
    schedule.refresh_from_db()
    assert schedule.func == "feedback.tasks_finetune.poll_fine_tune_jobs"
    migration.point_at_new_path(apps, None)
    schedule.refresh_from_db()
    assert schedule.func == "feedback.finetune.tasks.poll_fine_tune_jobs"


# --- Use for the Coder -----------------------------------------------------------------------------------


class Greeting(BaseModel):
    text: str


def test_a_succeeded_job_becomes_the_coders_model_and_the_coder_calls_it(fake_openai, two_examples, staff, settings):
    settings.OPENAI_MODEL = "gpt-4o-mini"
    job = poll_until_finished(finetune_start(actor=staff))
    assert model_for("coder") == "gpt-4o-mini"

    finetune_use(job=job, actor=staff)

    assert model_for("coder") == job.fine_tuned_model
    assert model_for("debugger") == model_for("pedagogist") == "gpt-4o-mini"
    fake_openai.script(reply({"text": "hello"}))
    with get_llm_client(agent="coder") as client:
        assert client.structured(messages=[{"role": "user", "content": "hi"}], response_model=Greeting).ok
    assert fake_openai.last_chat_request.body["model"] == job.fine_tuned_model


def test_choosing_another_model_replaces_the_first_and_stopping_restores_the_setting(fake_openai, staff, settings):
    settings.LLM_MODEL_CODER = "configured-coder"
    first = finished_job(provider_job_id="ftjob-1", fine_tuned_model="ft:one")
    second = finished_job(provider_job_id="ftjob-2", fine_tuned_model="ft:two")

    finetune_use(job=first, actor=staff)
    finetune_use(job=second, actor=staff)

    assert list(FineTuneJob.objects.filter(used_for_coder=True)) == [second]
    assert model_for("coder") == "ft:two"
    finetune_use(job=second, actor=staff, use=False)
    assert model_for("coder") == "configured-coder"


def test_only_staff_choose_the_coders_model(fake_openai, owner):
    job = finished_job()

    with pytest.raises(PermissionDenied):
        finetune_use(job=job, actor=owner)

    assert coder_model_override("coder") is None


def test_a_model_trained_at_another_provider_is_not_used(fake_openai, staff, settings):
    finetune_use(job=finished_job(provider="azure"), actor=staff)

    assert coder_model_override("coder") is None
    settings.LLM_PROVIDER = "catalog"
    assert coder_model_override("coder") is None


def test_the_panel_context_shows_jobs_to_staff_only(fake_openai, two_examples, staff, owner):
    job = finished_job()

    staff_panel = finetune_panel_context(staff, summary=training_set_summary(staff))
    owner_panel = finetune_panel_context(owner, summary=training_set_summary(owner))

    assert staff_panel["training_summary"]["examples"] == 2
    assert (staff_panel["can_start"], staff_panel["enough_examples"], staff_panel["jobs"]) == (True, True, [job])
    assert owner_panel["training_summary"]["examples"] == 1
    assert (owner_panel["can_start"], owner_panel["jobs"]) == (False, [])
