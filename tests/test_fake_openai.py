"""The fake OpenAI-compatible server itself, driven by the real `openai` SDK so its shapes stay realistic."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import openai
import pytest

from tests.fake_openai import FakeOpenAI, FineTuningScript, Reply, delay, http_error, reply

KEY = "sk-fake-suite-key-0001"


def sdk(fake: FakeOpenAI, **kwargs) -> openai.OpenAI:
    return openai.OpenAI(api_key=KEY, base_url=fake.base_url, max_retries=0, timeout=5, **kwargs)


def chat(client: openai.OpenAI, text: str = "hello"):
    return client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": text}])


def test_it_replays_the_script_in_order_and_records_each_request():
    with FakeOpenAI(reply("first"), {"n": 2}) as fake:
        fake.script(Reply(content="third", model="other-model"))
        client = sdk(fake)

        answers = [chat(client, f"q{i}") for i in range(3)]

    assert [a.choices[0].message.content for a in answers] == ["first", '{"n": 2}', "third"]
    assert [a.model for a in answers] == ["gpt-test", "gpt-test", "other-model"]
    assert answers[0].object == "chat.completion" and answers[0].choices[0].finish_reason == "stop"
    assert [r.messages[0]["content"] for r in fake.chat_requests] == ["q0", "q1", "q2"]
    assert fake.remaining == 0


def test_it_reports_usage_unless_told_to_omit_it():
    with FakeOpenAI(reply("x", usage=(7, 3)), reply("y", usage=False)) as fake:
        client = sdk(fake)
        with_usage, without_usage = chat(client), chat(client)

    assert (with_usage.usage.prompt_tokens, with_usage.usage.completion_tokens) == (7, 3)
    assert with_usage.usage.total_tokens == 10
    assert without_usage.usage is None


def test_it_redacts_credentials_in_the_recorded_headers():
    with FakeOpenAI(reply("x")) as fake:
        chat(sdk(fake))

    headers = fake.requests[0].headers
    assert headers["authorization"] == "<redacted>"
    assert KEY not in json.dumps(headers)


def test_it_sends_openai_shaped_errors_with_retry_after_on_429():
    with FakeOpenAI(http_error(429, retry_after=0.25)) as fake, pytest.raises(openai.RateLimitError) as raised:
        chat(sdk(fake))

    error = raised.value
    assert error.status_code == 429 and error.code == "rate_limit_exceeded"
    assert error.response.headers["retry-after-ms"] == "250"
    assert error.response.headers["retry-after"] == "1"


def test_it_answers_a_500_the_sdk_does_not_retry_when_the_script_runs_out():
    with FakeOpenAI() as fake:
        client = openai.OpenAI(api_key=KEY, base_url=fake.base_url, max_retries=2, timeout=5)
        with pytest.raises(openai.InternalServerError, match="no answer left"):
            chat(client)

    assert len(fake.unscripted) == 1 and len(fake.chat_requests) == 1


def test_it_answers_with_the_default_when_the_script_is_empty():
    with FakeOpenAI(default=reply("always")) as fake:
        client = sdk(fake)
        assert [chat(client).choices[0].message.content for _ in range(3)] == ["always"] * 3


def test_it_serves_the_azure_deployment_path_and_requires_the_api_version():
    with FakeOpenAI(reply("from azure")) as fake:
        client = openai.AzureOpenAI(
            azure_endpoint=fake.azure_endpoint, api_key=KEY, api_version="2024-10-21", max_retries=0
        )
        answer = client.chat.completions.create(model="my-deploy", messages=[{"role": "user", "content": "hi"}])
        request = urllib.request.Request(
            f"{fake.url}/openai/deployments/my-deploy/chat/completions", data=b"{}", method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as missing_version:
            urllib.request.urlopen(request, timeout=5)

    assert answer.choices[0].message.content == "from azure" and answer.model == "my-deploy"
    assert fake.requests[0].path == "/openai/deployments/my-deploy/chat/completions"
    assert fake.requests[0].query == {"api-version": "2024-10-21"}
    assert fake.requests[0].headers["api-key"] == "<redacted>"
    assert missing_version.value.code == 404


def test_it_rejects_a_wrong_key_when_it_knows_the_right_one():
    with FakeOpenAI(reply("x"), api_key="sk-right") as fake:
        with pytest.raises(openai.AuthenticationError):
            chat(sdk(fake))
        assert fake.remaining == 1  # the script entry is kept for an authorised request


def test_it_adds_the_fixed_latency_to_every_chat_answer():
    with FakeOpenAI(reply("a"), reply("b"), latency=0.15) as fake:
        client = sdk(fake)
        started = time.monotonic()
        chat(client)
        chat(client)
        elapsed = time.monotonic() - started

    assert 0.3 <= elapsed < 1.5


def test_a_delayed_answer_makes_a_short_client_time_out_and_stop_does_not_wait_for_it():
    fake = FakeOpenAI(delay(30, "late")).start()
    try:
        client = openai.OpenAI(api_key=KEY, base_url=fake.base_url, max_retries=0, timeout=0.2)
        with pytest.raises(openai.APITimeoutError):
            chat(client)
    finally:
        started = time.monotonic()
        fake.stop()
    assert time.monotonic() - started < 2


def test_it_serves_concurrent_requests():
    with FakeOpenAI(default=reply("ok"), latency=0.2) as fake:
        client = sdk(fake)
        threads = [threading.Thread(target=chat, args=(client,)) for _ in range(4)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started

    assert len(fake.chat_requests) == 4
    assert elapsed < 0.7  # in parallel, not 4 x 0.2 s in a row


def test_it_answers_404_for_an_unknown_endpoint():
    with FakeOpenAI() as fake, pytest.raises(openai.NotFoundError):
        sdk(fake).embeddings.create(model="e", input="x")


# --- files and fine-tuning --------------------------------------------------------------------------------------


def test_it_uploads_a_file_and_walks_a_fine_tuning_job_through_its_statuses():
    training = b'{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}\n'
    with FakeOpenAI() as fake:
        fake.script_fine_tuning(FineTuningScript(statuses=("validating_files", "running", "succeeded")))
        client = sdk(fake)

        uploaded = client.files.create(file=("train.jsonl", training), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(training_file=uploaded.id, model="gpt-4o-mini-2024-07-18")
        seen = [job.status] + [client.fine_tuning.jobs.retrieve(job.id).status for _ in range(3)]
        final = client.fine_tuning.jobs.retrieve(job.id)
        events = client.fine_tuning.jobs.list_events(job.id)
        listed = client.fine_tuning.jobs.list()

    assert uploaded.purpose == "fine-tune" and uploaded.filename == "train.jsonl" and uploaded.bytes == len(training)
    assert fake.file_contents[uploaded.id] == training
    upload_request = fake.requests[0]
    assert upload_request.form == {"purpose": "fine-tune"} and upload_request.files["file"] == ("train.jsonl", training)
    assert seen == ["validating_files", "running", "succeeded", "succeeded"]
    assert final.fine_tuned_model.startswith("ft:gpt-4o-mini-2024-07-18:")
    assert final.trained_tokens and final.finished_at and final.result_files
    messages = [event.message for event in events.data]
    assert messages[0] == "The job has successfully completed"  # newest first
    assert messages[-1].startswith("Created fine-tuning job")
    assert [j.id for j in listed.data] == [job.id]


def test_a_failed_fine_tuning_job_reports_its_error():
    with FakeOpenAI() as fake:
        fake.script_fine_tuning(
            FineTuningScript(
                statuses=("validating_files", "failed"),
                error={"code": "invalid_file_format", "message": "Line 3 is not JSON.", "param": "training_file"},
            )
        )
        client = sdk(fake)
        uploaded = client.files.create(file=("bad.jsonl", b"nope"), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(training_file=uploaded.id, model="gpt-4o-mini-2024-07-18")
        failed = client.fine_tuning.jobs.retrieve(job.id)
        events = client.fine_tuning.jobs.list_events(job.id)

    assert failed.status == "failed" and failed.fine_tuned_model is None
    assert failed.error.code == "invalid_file_format" and failed.error.message == "Line 3 is not JSON."
    assert events.data[0].level == "error" and "Line 3 is not JSON." in events.data[0].message


def test_a_fine_tuning_job_can_be_cancelled_and_needs_a_known_file():
    with FakeOpenAI() as fake:
        client = sdk(fake)
        uploaded = client.files.create(file=("t.jsonl", b"{}\n"), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(training_file=uploaded.id, model="gpt-4o-mini-2024-07-18")
        cancelled = client.fine_tuning.jobs.cancel(job.id)
        still = client.fine_tuning.jobs.retrieve(job.id)
        with pytest.raises(openai.BadRequestError):
            client.fine_tuning.jobs.create(training_file="file-missing", model="gpt-4o-mini-2024-07-18")
        with pytest.raises(openai.NotFoundError):
            client.fine_tuning.jobs.retrieve("ftjob-missing")

    assert cancelled.status == "cancelled" and still.status == "cancelled"
