"""Create with AI in a real browser (Playwright + Debian's Chromium, as tests/browser/): the language options
follow the type through htmx, a submitted request becomes a validated capsule, and the job page polls itself
without reloading, shows the steps as they land, and stops polling when the job has finished. A request the
offline catalog has nothing for offers the closest exercises, and taking one makes a capsule."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from generation.models import AgentStep, GenerationJob, JobStatus
from generation.tests.conftest import WRONG_OUTPUT_REPORT
from tests.browser.conftest import browser, javascript_errors, page  # noqa: F401  (the shared browser fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(tab: Page, live_server) -> None:
    tab.goto(live_server.url + reverse("login"))
    tab.get_by_label("Username").fill("owner")
    tab.get_by_label("Password").fill("owner-pass-123")
    tab.get_by_role("button", name="Log in").click()
    expect(tab).to_have_url(live_server.url + reverse("capsules:list"))


def test_the_languages_follow_the_type_and_a_request_becomes_a_validated_capsule(
    page: Page, javascript_errors: list[str], live_server, owner  # noqa: F811
):
    log_in(page, live_server)
    page.get_by_role("link", name="Create with AI").click()
    expect(page.get_by_role("note")).to_contain_text("Offline mode")
    language = page.get_by_label("Language")
    expect(language.locator("option")).to_have_count(8)  # every language until a type is chosen

    page.get_by_label("Type").select_option("DATABASE")
    expect(language.locator("option")).to_have_count(2)
    expect(language).to_have_value("sql")
    page.get_by_label("Type").select_option("CODE")
    expect(language.locator("option")).to_have_count(6)
    expect(language).to_have_value("")
    language.select_option("python")
    page.get_by_label("Difficulty").select_option("easy")
    page.get_by_label("What should it be about?").fill("count the words in a sentence")
    page.get_by_role("button", name="Generate capsule").click()

    job = GenerationJob.objects.get()
    expect(page).to_have_url(live_server.url + reverse("generation:job_detail", kwargs={"job_id": job.pk}))
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    page.get_by_role("link", name="Open “").click()
    job.refresh_from_db()
    expect(page).to_have_url(live_server.url + reverse("capsules:detail", kwargs={"capsule_id": job.result_capsule_id}))
    assert javascript_errors == []


def test_the_job_page_shows_steps_as_they_land_and_stops_polling_when_the_job_ends(
    page: Page, javascript_errors: list[str], live_server, owner, make_job  # noqa: F811
):
    job = make_job(owner, status=JobStatus.RUNNING, stage="coder",
                   steps=[{"agent": "pedagogist", "parsed_ok": True, "summary": "Idea: word counter"}])  # fmt: skip
    url = live_server.url + reverse("generation:job_detail", kwargs={"job_id": job.pk})
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if request.url.startswith(url + "?v=") else None)
    log_in(page, live_server)
    page.goto(url)
    page.evaluate("window.__samePage = true")  # gone if anything reloads the page
    progress = page.get_by_role("progressbar")
    expect(progress).to_have_attribute("aria-valuenow", "20")

    AgentStep.objects.create(job=job, position=2, agent="coder", parsed_ok=True, summary="Draft with 5 tests")
    AgentStep.objects.create(job=job, position=3, agent="judge", summary=WRONG_OUTPUT_REPORT["message"],
                             report=WRONG_OUTPUT_REPORT, error_kind="wrong_output")  # fmt: skip
    expect(page.locator(".job-steps")).to_contain_text("Draft with 5 tests")
    expect(page.locator(".job-steps")).to_contain_text("print(count_words('hi there'))")
    expect(progress).to_have_attribute("aria-valuenow", "60")
    expect(page.locator("#job-announcer")).to_contain_text("Step 3: Judge, failed: wrong output.")

    GenerationJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, stage="", error="Still failing.", error_category="wrong_output", last_report=WRONG_OUTPUT_REPORT
    )
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    expect(progress).to_have_attribute("aria-valuenow", "100")
    assert page.evaluate("window.__samePage") is True, "the page must update without reloading"
    polls_when_finished = len(polls)
    time.sleep(2.5)  # two and a half polling periods
    assert len(polls) == polls_when_finished, "polling must stop once the job has finished"
    assert page.locator("#job-progress[hx-trigger]").count() == 0
    assert javascript_errors == []


def test_a_request_the_catalog_has_nothing_for_offers_the_closest_exercises_and_one_can_be_taken(
    page: Page, javascript_errors: list[str], live_server, owner  # noqa: F811
):
    log_in(page, live_server)
    page.goto(live_server.url + reverse("generation:create"))
    page.get_by_label("Type").select_option("DATABASE")
    expect(page.get_by_label("Language")).to_have_value("sql")  # the type's htmx swap of the languages is done
    page.get_by_label("Difficulty").select_option("hard")
    page.get_by_label("What should it be about?").fill("second highest salary")
    page.get_by_role("button", name="Generate capsule").click()

    # The job runs inside the post in these tests (sync mode): its first run in a process also loads the catalog
    # and the agents' modules, so the page it redirects to may take longer than an assertion's default wait.
    expect(page).to_have_url(re.compile(r"/create/jobs/[0-9a-f-]+/$"), timeout=20_000)
    result = page.locator("[data-no-match]")
    expect(result).to_contain_text("The offline catalog has no exercise about “second highest salary” in SQL.")
    expect(page.locator(".job-status").first).to_have_text("No catalog match")
    expect(result.get_by_role("link", name="Change the request")).to_have_attribute("href", re.compile("prompt=second"))
    page.get_by_role("button", name="Take “Top earners in every department”").click()

    taken = GenerationJob.objects.get(catalog_pick="Top earners in every department")
    expect(page).to_have_url(live_server.url + reverse("generation:job_detail", kwargs={"job_id": taken.pk}))
    expect(page.get_by_role("link", name="Open “Top earners in every department”")).to_be_visible()
    assert javascript_errors == []
