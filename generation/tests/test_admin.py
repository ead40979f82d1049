"""Generation jobs in the admin: a read-only list with filters and search, a read-only job with its steps inline
(no add, change or delete), and the link to the metrics page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from generation.models import AgentStep, GenerationJob
from generation.tests.conftest import WRONG_OUTPUT_REPORT

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:generation_generationjob_changelist")


@pytest.fixture
def jobs(owner, other_creator, make_job, make_capsule):
    capsule = make_capsule(owner, "CODE", title="Word counter")
    done = make_job(owner, prompt="count words", status="succeeded", result_capsule=capsule, quality_score=0.9,
                    steps=[{"agent": "pedagogist", "model": "gpt-test", "parsed_ok": True, "summary": "Idea: words",
                            "prompt": [{"role": "system", "content": "You are the Pedagogist."}],
                            "raw_response": '{"title": "Word counter"}'}])  # fmt: skip
    failed = make_job(other_creator, prompt="grep the logs", capsule_type="TERMINAL", language="bash",
                      provider="openai", status="failed", error_category="wrong_output", last_report=WRONG_OUTPUT_REPORT,
                      steps=[{"agent": "judge", "report": WRONG_OUTPUT_REPORT, "summary": "fails test 2"}])  # fmt: skip
    return done, failed


def change_url(job: GenerationJob) -> str:
    return reverse("admin:generation_generationjob_change", args=[job.pk])


def test_staff_see_the_job_list_with_its_filters(client, staff, jobs):
    client.force_login(staff)
    response = client.get(CHANGELIST)

    assert response.status_code == 200
    changelist = response.context["cl"]
    assert {spec.title for spec in changelist.filter_specs} >= {"status", "capsule type", "language", "provider"}
    assert set(changelist.result_list) == set(jobs)


@pytest.mark.parametrize(
    ("query", "expected"),
    [({"status__exact": "failed"}, ["grep the logs"]), ({"capsule_type__exact": "TERMINAL"}, ["grep the logs"]),
     ({"language__exact": "python"}, ["count words"]), ({"provider__exact": "openai"}, ["grep the logs"]),
     ({"q": "grep"}, ["grep the logs"]), ({"q": "other"}, ["grep the logs"]), ({"q": "nothing like it"}, [])],
)  # fmt: skip
def test_the_list_filters_by_status_type_language_provider_and_searches(client, staff, jobs, query, expected):
    client.force_login(staff)

    result = client.get(CHANGELIST, query).context["cl"].result_list

    assert [job.prompt for job in result] == expected


def test_the_list_links_to_the_metrics_page(client, staff, jobs):
    client.force_login(staff)

    assert f'href="{reverse("generation:metrics")}?days=7"' in client.get(CHANGELIST).content.decode()


def test_a_job_is_shown_read_only_with_its_steps_inline(client, staff, jobs):
    done, _ = jobs
    client.force_login(staff)

    response = client.get(change_url(done))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Idea: words" in html and "You are the Pedagogist." in html and "gpt-test" in html
    assert reverse("admin:capsules_capsule_change", args=[done.result_capsule_id]) in html
    assert 'name="_save"' not in html  # nothing to save
    assert 'name="steps-0-agent"' not in html and 'name="steps-0-summary"' not in html  # no editable step rows
    inline = response.context["inline_admin_formsets"][0]
    assert (inline.has_add_permission, inline.has_change_permission, inline.has_delete_permission) == (False, False, False)


def test_a_failed_jobs_last_report_is_shown(client, staff, jobs):
    _, failed = jobs
    client.force_login(staff)

    html = client.get(change_url(failed)).content.decode()

    assert "wrong_output" in html and "print(count_words(&#x27;hi there&#x27;))" in html


def test_jobs_cannot_be_added_changed_or_deleted_in_the_admin(client, staff, jobs):
    done, _ = jobs
    client.force_login(staff)

    assert client.get(reverse("admin:generation_generationjob_add")).status_code == 403
    assert client.post(change_url(done), {"status": "failed"}).status_code == 403
    assert client.post(reverse("admin:generation_generationjob_delete", args=[done.pk]), {"post": "yes"}).status_code == 403
    done.refresh_from_db()
    assert done.status == "succeeded"
    assert AgentStep.objects.filter(job=done).count() == 1


def test_the_delete_action_is_not_offered(client, staff, jobs):
    client.force_login(staff)

    assert "delete_selected" not in client.get(CHANGELIST).content.decode()


def test_creators_who_are_not_staff_are_sent_to_the_admin_login(client, owner, jobs):
    client.force_login(owner)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
