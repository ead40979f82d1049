"""The job page /create/jobs/<id>/ (live progress, polling that stops), its Retry button, and the job list:
owner, other creator and anonymous visitor on each."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from generation.models import GenerationJob, JobStatus
from generation.tests.conftest import WRONG_OUTPUT_REPORT

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

PEDAGOGIST_STEP = {"agent": "pedagogist", "model": "gpt-test", "parsed_ok": True, "latency_ms": 1200,
                   "summary": "Idea: Count the words in a sentence"}  # fmt: skip
CODER_STEP = {"agent": "coder", "model": "gpt-test", "parsed_ok": True, "latency_ms": 3400,
              "summary": "Capsule draft: 5 tests (3 hidden)", "prompt_tokens": 900, "completion_tokens": 700}  # fmt: skip
FAILED_JUDGE_STEP = {"agent": "judge", "parsed_ok": False, "latency_ms": 120, "error_kind": "wrong_output",
                     "summary": WRONG_OUTPUT_REPORT["message"], "report": WRONG_OUTPUT_REPORT}  # fmt: skip
DEBUGGER_TIMEOUT_STEP = {"agent": "debugger", "model": "gpt-test", "latency_ms": 30000, "error_kind": "timeout",
                         "error": "The model did not answer within 30 s."}  # fmt: skip


def page_url(job: GenerationJob) -> str:
    return reverse("generation:job_detail", kwargs={"job_id": job.pk})


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def progress_section(html: str) -> str:
    match = re.search(r'<section id="job-progress".*?>', html, flags=re.DOTALL)
    assert match, "no progress section"
    return match.group(0)


def fingerprint(html: str) -> str:
    match = re.search(r"\?v=([0-9a-f]+)", html)
    assert match, "no fingerprint"
    return match.group(1)


# --- Access ----------------------------------------------------------------------------------------------


def test_the_owner_sees_their_job(client, owner, make_job):
    job = make_job(owner, status=JobStatus.RUNNING, stage="coder", steps=[PEDAGOGIST_STEP])
    client.force_login(owner)

    response = client.get(page_url(job))

    assert response.status_code == 200
    assert "count words" in response.content.decode()


def test_another_creator_gets_a_404_for_the_page_and_the_poll(client, owner, other_creator, make_job):
    job = make_job(owner, status=JobStatus.RUNNING)
    client.force_login(other_creator)

    assert client.get(page_url(job)).status_code == 404
    assert client.get(page_url(job), **HTMX).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, owner, make_job):
    job = make_job(owner)

    response = client.get(page_url(job))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_unknown_job_is_a_404(client, owner):
    client.force_login(owner)

    assert client.get(reverse("generation:job_detail", kwargs={"job_id": "00000000-0000-0000-0000-000000000000"})).status_code == 404


# --- Progress and polling --------------------------------------------------------------------------------


def test_a_running_job_polls_itself_every_second_with_htmx(client, owner, make_job):
    job = make_job(owner, status=JobStatus.RUNNING, stage="coder", steps=[PEDAGOGIST_STEP])
    client.force_login(owner)

    section = progress_section(client.get(page_url(job)).content.decode())

    assert 'hx-trigger="every 1s"' in section
    assert f'hx-get="{page_url(job)}?v=' in section
    assert 'hx-swap="outerHTML"' in section


def test_without_javascript_an_unfinished_job_page_refreshes_itself(client, owner, make_job):
    running = make_job(owner, status=JobStatus.RUNNING)
    finished = make_job(owner, status=JobStatus.FAILED)
    client.force_login(owner)

    assert '<noscript><meta http-equiv="refresh"' in client.get(page_url(running)).content.decode()
    assert "http-equiv" not in client.get(page_url(finished)).content.decode()


def test_the_poll_returns_only_the_progress_partial_and_an_announcement(client, owner, make_job):
    job = make_job(owner, status=JobStatus.RUNNING, stage="judge", steps=[PEDAGOGIST_STEP, CODER_STEP])
    client.force_login(owner)

    response = client.get(page_url(job), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="job-progress"')
    assert "<html" not in html and "<h1" not in html
    assert '<div hx-swap-oob="innerHTML:#job-announcer">Step 2: Coder, done. The judge is running the tests.</div>' in html
    assert response["Cache-Control"] == "no-store"
    assert "HX-Request" in response["Vary"]


def test_a_poll_that_already_has_the_current_state_gets_204_so_nothing_is_swapped(client, owner, make_job):
    job = make_job(owner, status=JobStatus.RUNNING, stage="coder", steps=[PEDAGOGIST_STEP])
    client.force_login(owner)
    current = fingerprint(client.get(page_url(job)).content.decode())

    unchanged = client.get(page_url(job), {"v": current}, **HTMX)
    job.steps.create(position=2, **CODER_STEP)
    changed = client.get(page_url(job), {"v": current}, **HTMX)

    assert unchanged.status_code == 204 and unchanged.content == b""
    assert changed.status_code == 200
    assert "Capsule draft: 5 tests (3 hidden)" in changed.content.decode()
    assert fingerprint(changed.content.decode()) != current


def test_the_partial_of_a_finished_job_has_no_trigger_so_polling_stops(client, owner, make_job):
    job = make_job(owner, status=JobStatus.RUNNING, stage="judge", steps=[PEDAGOGIST_STEP, CODER_STEP])
    client.force_login(owner)
    running = client.get(page_url(job), **HTMX).content.decode()
    GenerationJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, stage="", last_report=WRONG_OUTPUT_REPORT)

    finished = client.get(page_url(job), {"v": fingerprint(running)}, **HTMX).content.decode()

    assert "hx-trigger" in progress_section(running)
    section = progress_section(finished)
    assert "hx-trigger" not in section and "hx-get" not in section
    assert "Finished: generation failed." in finished


@pytest.mark.parametrize(
    ("status", "stage", "steps", "percent"),
    [
        (JobStatus.QUEUED, "", [], 0),
        (JobStatus.RUNNING, "pedagogist", [], 5),
        (JobStatus.RUNNING, "coder", [PEDAGOGIST_STEP], 20),
        (JobStatus.RUNNING, "judge", [PEDAGOGIST_STEP, CODER_STEP], 45),
        (JobStatus.RUNNING, "debugger", [PEDAGOGIST_STEP, CODER_STEP, FAILED_JUDGE_STEP], 60),
        (JobStatus.FAILED, "", [PEDAGOGIST_STEP, CODER_STEP, FAILED_JUDGE_STEP], 100),
    ],
)
def test_the_progress_bar_follows_the_steps(client, owner, make_job, status, stage, steps, percent):
    job = make_job(owner, status=status, stage=stage, steps=steps)
    client.force_login(owner)

    html = client.get(page_url(job), **HTMX).content.decode()

    bar = re.search(r'<div class="progress" role="progressbar"[^>]*>', html).group(0)
    assert f'aria-valuenow="{percent}"' in bar
    assert 'aria-valuemin="0"' in bar and 'aria-valuemax="100"' in bar


def test_heals_move_the_bar_forward_but_never_to_100_before_the_end(client, owner, make_job, settings):
    settings.GENERATION_MAX_HEALS = 3
    steps = [PEDAGOGIST_STEP, CODER_STEP] + [FAILED_JUDGE_STEP, {**CODER_STEP, "agent": "debugger"}] * 4
    job = make_job(owner, status=JobStatus.RUNNING, stage="judge", steps=steps)
    client.force_login(owner)

    html = client.get(page_url(job), **HTMX).content.decode()

    assert 'aria-valuenow="95"' in html


def test_each_step_shows_its_agent_outcome_seconds_and_summary(client, owner, make_job):
    job = make_job(owner, status=JobStatus.RUNNING, stage="debugger",
                   steps=[PEDAGOGIST_STEP, CODER_STEP, FAILED_JUDGE_STEP, DEBUGGER_TIMEOUT_STEP])  # fmt: skip
    client.force_login(owner)

    page = text(client.get(page_url(job)).content.decode())

    assert "Pedagogist Done 1.20 s gpt-test Idea: Count the words in a sentence" in page
    assert "Coder Done 3.40 s gpt-test Capsule draft: 5 tests (3 hidden)" in page
    assert "Debugger Failed: timeout 30.00 s gpt-test The model did not answer within 30 s." in page


def test_a_judge_step_shows_what_the_judge_said_and_the_failing_test(client, owner, make_job):
    job = make_job(owner, status=JobStatus.RUNNING, stage="debugger", steps=[PEDAGOGIST_STEP, CODER_STEP, FAILED_JUDGE_STEP])
    client.force_login(owner)

    html = client.get(page_url(job)).content.decode()
    page = text(html)

    assert "Judge Failed: wrong output 0.12 s" in page
    assert WRONG_OUTPUT_REPORT["message"] in page
    assert '<span class="tag tag--category">wrong_output</span>' in html
    assert "1 of 2 tests passed." in page
    assert "Failing two words WA hidden" in page
    assert "Call print(count_words(&#x27;hi there&#x27;)) Expected 2 Actual 3" in page


def test_a_succeeded_job_links_to_its_capsule_and_shows_its_quality_score(client, owner, make_job, make_capsule):
    capsule = make_capsule(owner, "CODE", title="Count the words")
    job = make_job(owner, status=JobStatus.SUCCEEDED, result_capsule=capsule, quality_score=0.873, heals=1,
                   steps=[PEDAGOGIST_STEP, CODER_STEP])  # fmt: skip
    client.force_login(owner)

    html = client.get(page_url(job)).content.decode()

    assert f'href="{reverse("capsules:detail", kwargs={"capsule_id": capsule.pk})}"' in html
    assert "Open “Count the words”" in html
    assert "Quality score 0.87 of 1 Heals 1" in text(html)
    assert 'aria-valuenow="100"' in html
    assert "Retry" not in html


def test_a_failed_job_shows_the_last_report_and_a_retry_button(client, owner, make_job):
    job = make_job(owner, status=JobStatus.FAILED, heals=3, error="Still failing after 3 heals.",
                   error_category="wrong_output", last_report=WRONG_OUTPUT_REPORT, steps=[FAILED_JUDGE_STEP])  # fmt: skip
    client.force_login(owner)

    html = client.get(page_url(job)).content.decode()
    page = text(html)

    assert "No capsule was saved" in page and "Still failing after 3 heals." in page
    assert f"The judge's last report wrong_output {WRONG_OUTPUT_REPORT['message']}" in page.replace("&#x27;", "'")
    assert f'<form method="post" action="{reverse("generation:job_retry", kwargs={"job_id": job.pk})}"' in html
    assert re.search(r'<button type="submit" class="button button--primary">Retry</button>', html)


def test_a_terminal_reports_failing_task_is_shown(client, owner, make_job):
    report = {"passed": False, "category": "task_already_passing", "message": "Task t1 passes before any work.",
              "capsule_type": "TERMINAL", "language": "bash", "tests": [],
              "tasks": [{"task_id": "t1", "failed_before": False, "passed_after": True, "output_before": "ok"}]}  # fmt: skip
    job = make_job(owner, capsule_type="TERMINAL", language="bash", status=JobStatus.FAILED, last_report=report)
    client.force_login(owner)

    assert "Failing Task t1 passes before the solution runs" in text(client.get(page_url(job)).content.decode())


# --- Retry -------------------------------------------------------------------------------------------------


def test_the_owner_retries_a_failed_job_and_lands_on_the_new_jobs_page(client, owner, make_job):
    failed = make_job(owner, status=JobStatus.FAILED, prompt="binary search", difficulty="hard")
    client.force_login(owner)

    response = client.post(reverse("generation:job_retry", kwargs={"job_id": failed.pk}))

    retry = GenerationJob.objects.exclude(pk=failed.pk).get()
    assert response.status_code == 302
    assert response.url == page_url(retry)
    assert (retry.retry_of, retry.prompt, retry.difficulty, retry.status) == (failed, "binary search", "hard", JobStatus.QUEUED)


def test_another_creator_cannot_retry_my_job(client, owner, other_creator, make_job):
    failed = make_job(owner, status=JobStatus.FAILED)
    client.force_login(other_creator)

    assert client.post(reverse("generation:job_retry", kwargs={"job_id": failed.pk})).status_code == 404
    assert GenerationJob.objects.count() == 1


def test_an_anonymous_visitor_cannot_retry(client, owner, make_job):
    failed = make_job(owner, status=JobStatus.FAILED)

    assert client.post(reverse("generation:job_retry", kwargs={"job_id": failed.pk})).status_code == 302
    assert GenerationJob.objects.count() == 1


def test_retry_is_post_only(client, owner, make_job):
    failed = make_job(owner, status=JobStatus.FAILED)
    client.force_login(owner)

    assert client.get(reverse("generation:job_retry", kwargs={"job_id": failed.pk})).status_code == 405


def test_a_job_that_did_not_fail_is_not_retried_and_the_page_says_why(client, owner, make_job):
    running = make_job(owner, status=JobStatus.RUNNING)
    client.force_login(owner)

    response = client.post(reverse("generation:job_retry", kwargs={"job_id": running.pk}), follow=True)

    assert response.redirect_chain == [(page_url(running), 302)]
    assert "Only a failed job can be retried." in response.content.decode()
    assert GenerationJob.objects.count() == 1


def test_a_retry_over_the_limit_is_refused_with_a_message(client, owner, make_job, settings):
    settings.GENERATION_MAX_CONCURRENT_JOBS = 1
    failed = make_job(owner, status=JobStatus.FAILED)
    make_job(owner, status=JobStatus.QUEUED)
    client.force_login(owner)

    response = client.post(reverse("generation:job_retry", kwargs={"job_id": failed.pk}), follow=True)

    assert "wait for one to finish" in response.content.decode()
    assert GenerationJob.objects.count() == 2


def test_a_retry_runs_the_real_pipeline_to_a_capsule(client, owner, make_job, django_capture_on_commit_callbacks):
    failed = make_job(owner, status=JobStatus.FAILED, capsule_type="DATABASE", language="sql", difficulty="medium",
                      prompt="customers who never placed an order")  # fmt: skip
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("generation:job_retry", kwargs={"job_id": failed.pk}))

    retry = GenerationJob.objects.get(retry_of=failed)
    assert retry.status == JobStatus.SUCCEEDED, retry.error
    assert retry.result_capsule.capsule_type == "DATABASE"


# --- The job list ------------------------------------------------------------------------------------------


def test_the_job_list_shows_only_the_creators_own_jobs_newest_first(client, owner, other_creator, make_job, make_capsule):
    from datetime import timedelta

    capsule = make_capsule(owner, "CODE", title="Word counter")
    older = make_job(owner, prompt="older request", status=JobStatus.SUCCEEDED, result_capsule=capsule,
                     created_ago=timedelta(hours=2))  # fmt: skip
    newer = make_job(owner, prompt="newer request", status=JobStatus.FAILED, error_category="compile_error",
                     capsule_type="TERMINAL", language="bash", difficulty="hard")  # fmt: skip
    make_job(other_creator, prompt="someone else's request")
    client.force_login(owner)

    response = client.get(reverse("generation:job_list"))

    assert list(response.context["page"].object_list) == [newer, older]
    html = response.content.decode()
    assert "someone else" not in html
    page = text(html)
    assert "newer request Failed Terminal Bash Hard" in page and "compile_error" in page
    assert "older request Succeeded Code Python Easy" in page and "Word counter" in page
    assert page_url(newer) in html and page_url(older) in html


def test_an_empty_job_list_invites_to_create_one(client, owner):
    client.force_login(owner)

    assert "No generation jobs yet" in client.get(reverse("generation:job_list")).content.decode()


def test_the_job_list_needs_a_login(client):
    assert client.get(reverse("generation:job_list")).status_code == 302
