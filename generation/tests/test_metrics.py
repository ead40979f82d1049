"""Generation metrics: the numbers of generation_metrics on a handmade set of jobs and steps, its fixed query
count, and the staff-only page /create/metrics/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from generation.selectors import generation_metrics, metrics_days, percentile

pytestmark = pytest.mark.django_db

METRICS = reverse("generation:metrics")


def ok(agent: str, latency_ms: float = 1000) -> dict:
    return {"agent": agent, "parsed_ok": True, "latency_ms": latency_ms}


def bad(agent: str, latency_ms: float = 1000) -> dict:
    return {"agent": agent, "parsed_ok": False, "latency_ms": latency_ms, "error_kind": "invalid_json"}


@pytest.fixture
def jobs(owner, other_creator, make_job):
    """Seven jobs in the last week and one from ten days ago, with their steps.

    finished in the week:  2 s (0 heals, ok), 10 s (1 heal, ok), 30 s (3 heals, wrong_output),
                           4 s (0 heals, timeout), 6 s (3 heals, wrong_output, no steps)
    unfinished:            one running, one queued
    ten days ago:          100 s (2 heals, ok)
    """
    now = timezone.now()

    def timed(seconds: float) -> dict:
        return {"started_at": now - timedelta(seconds=seconds + 1), "finished_at": now - timedelta(seconds=1)}

    make_job(owner, status="succeeded", heals=0, **timed(2), steps=[ok("pedagogist"), ok("coder", 3000), ok("judge", 100)])
    make_job(other_creator, status="succeeded", heals=1, **timed(10),
             steps=[ok("pedagogist"), ok("coder"), bad("judge"), ok("debugger"), ok("judge")])  # fmt: skip
    make_job(owner, status="failed", heals=3, error_category="wrong_output", **timed(30),
             steps=[ok("pedagogist"), ok("coder"), bad("judge"), bad("debugger"), bad("judge")])  # fmt: skip
    make_job(owner, status="failed", heals=0, error_category="timeout", **timed(4), steps=[bad("pedagogist", 3000)])
    make_job(owner, status="failed", heals=3, error_category="wrong_output", **timed(6))
    make_job(owner, status="running", started_at=now, steps=[ok("pedagogist")])
    make_job(owner, status="queued")
    make_job(owner, status="succeeded", heals=2, created_ago=timedelta(days=10), **timed(100), steps=[ok("pedagogist")])


def shares(rows) -> dict:
    return {row.key: (row.count, row.percent) for row in rows}


def test_counts_by_status_and_success_rate_over_the_week(jobs):
    metrics = generation_metrics(days=7)

    assert metrics.jobs == 7
    assert shares(metrics.by_status) == {
        "queued": (1, 14.3), "running": (1, 14.3), "succeeded": (2, 28.6), "failed": (3, 42.9), "no_match": (0, 0.0),
    }  # fmt: skip
    assert (metrics.finished, metrics.failed, metrics.success_percent) == (5, 3, 40.0)


def test_per_agent_success_rate_is_the_share_of_parsed_ok_steps(jobs):
    agents = {agent.agent: agent for agent in generation_metrics(days=7).agents}

    assert [(a.steps, a.parsed_ok, a.success_percent) for a in agents.values()] == [
        (5, 4, 80.0),  # pedagogist
        (3, 3, 100.0),  # coder
        (2, 1, 50.0),  # debugger
        (0, 0, None),  # solver: these jobs ran no statement check
        (5, 2, 40.0),  # judge
    ]
    assert list(agents) == ["pedagogist", "coder", "debugger", "solver", "judge"]
    assert agents["pedagogist"].mean_latency_seconds == pytest.approx(1.4)  # 1, 1, 1, 3, 1 s
    assert agents["coder"].mean_latency_seconds == pytest.approx(5 / 3)


def test_heals_per_job_mean_and_distribution_of_finished_jobs(jobs, settings):
    settings.GENERATION_MAX_HEALS = 3
    metrics = generation_metrics(days=7)

    assert metrics.heals_mean == 1.4  # (0 + 1 + 3 + 0 + 3) / 5
    assert shares(metrics.heals_distribution) == {"0": (2, 40.0), "1": (1, 20.0), "2": (0, 0.0), "3": (2, 40.0)}


def test_generation_time_percentiles_of_finished_jobs(jobs):
    metrics = generation_metrics(days=7)

    assert metrics.timed_jobs == 5
    assert metrics.seconds_p50 == pytest.approx(6)  # 2, 4, [6], 10, 30
    assert metrics.seconds_p95 == pytest.approx(30)
    assert metrics.seconds_mean == pytest.approx(10.4)


def test_failures_by_category_largest_first(jobs):
    assert shares(generation_metrics(days=7).failures) == {"wrong_output": (2, 66.7), "timeout": (1, 33.3)}
    assert [row.key for row in generation_metrics(days=7).failures] == ["wrong_output", "timeout"]


def test_a_longer_period_takes_in_older_jobs(jobs):
    metrics = generation_metrics(days=30)

    assert metrics.jobs == 8
    assert shares(metrics.heals_distribution)["2"] == (1, 16.7)
    assert metrics.seconds_p95 == pytest.approx(100)
    assert metrics.agents[0].steps == 6


def test_the_period_ends_at_now(jobs):
    metrics = generation_metrics(days=1, now=timezone.now() - timedelta(days=9, hours=12))

    assert metrics.jobs == 1  # only the job of ten days ago
    assert metrics.seconds_p50 == pytest.approx(100)


def test_it_takes_seven_queries_whatever_the_number_of_jobs(jobs, django_assert_num_queries, make_job, owner):
    with django_assert_num_queries(7):
        generation_metrics(days=30)
    for _ in range(5):
        make_job(owner, status="failed", error_category="compile_error", steps=[ok("pedagogist"), bad("coder")])
    with django_assert_num_queries(7):
        generation_metrics(days=30)


def check(status: str) -> dict:
    return {"status": status, "passed": 0, "total": 0, "message": "", "solver_model": ""}


def test_tokens_per_job_and_statement_checks_of_finished_jobs(client, staff, make_job, owner):
    now = timezone.now()
    for tokens, status in ((1000, "agreed"), (3000, "agreed"), (2000, "disagreed"), (9000, "failed")):
        make_job(owner, status="succeeded", provider="openai", prompt_tokens=tokens - 100, completion_tokens=100,
                 statement_check=check(status), started_at=now, finished_at=now)  # fmt: skip
    make_job(owner, status="succeeded", statement_check=check("skipped"), started_at=now, finished_at=now)  # catalog: no tokens
    make_job(owner, status="running", provider="openai", prompt_tokens=50_000, statement_check=check("agreed"))  # unfinished

    metrics = generation_metrics(days=7)

    assert (metrics.token_jobs, metrics.tokens_p50, metrics.tokens_p95) == (4, 2000, 9000)
    assert shares(metrics.statement_checks) == {
        "agreed": (2, 40.0), "disagreed": (1, 20.0), "failed": (1, 20.0), "skipped": (1, 20.0),
    }  # fmt: skip
    client.force_login(staff)
    page = text(client.get(METRICS, {"days": 7}).content.decode())
    assert "Tokens p50 2,000 p95 9,000, 4 jobs with a model" in page
    assert "Agreed: a solution from the statement alone passes every test 2 40.0%" in page


def test_without_jobs_there_are_no_rates_or_times(db):
    metrics = generation_metrics(days=7)

    assert metrics.jobs == 0
    assert metrics.success_percent is None and metrics.heals_mean is None
    assert metrics.seconds_p50 is None and metrics.seconds_p95 is None
    assert metrics.heals_distribution == [] and metrics.failures == [] and metrics.statement_checks == []
    assert metrics.tokens_p50 is None and metrics.token_jobs == 0
    assert [agent.success_percent for agent in metrics.agents] == [None, None, None, None, None]


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [([], 0.5, None), ([7.0], 0.95, 7.0), ([1.0, 2.0], 0.5, 1.0), ([1.0, 2.0, 3.0, 4.0], 0.95, 4.0),
     ([float(n) for n in range(1, 101)], 0.95, 95.0), ([float(n) for n in range(1, 101)], 0.5, 50.0)],
)  # fmt: skip
def test_percentiles_are_nearest_rank(values, fraction, expected):
    assert percentile(values, fraction) == expected


@pytest.mark.parametrize(("value", "days"), [("1", 1), ("30", 30), ("90", 90), (None, 7), ("365", 7), ("week", 7)])
def test_the_period_is_one_of_the_offered_ones_or_a_week(value, days):
    assert metrics_days(value) == days


# --- The page ------------------------------------------------------------------------------------------------


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_staff_see_the_metrics_as_tables_with_bars(client, staff, jobs):
    client.force_login(staff)
    response = client.get(METRICS, {"days": 7})

    html = response.content.decode()
    page = text(html)
    assert response.status_code == 200
    assert "Jobs 7" in page and "Succeeded 40.0% of 5 finished" in page
    assert "Time p50 6.0 s" in page and "Time p95 30.0 s" in page
    assert "Pedagogist 5 4 80.0%" in page and "Judge 5 2 40.0%" in page
    assert "wrong output 2 66.7%" in page and "timeout 1 33.3%" in page
    assert 'style="width: 66.7%"' in html
    assert '<a class="button button--small button--secondary" href="?days=7" aria-current="page">7 days</a>' in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]  # no chart library


def test_the_period_can_be_chosen(client, staff, jobs):
    client.force_login(staff)

    assert client.get(METRICS, {"days": 30}).context["metrics"].jobs == 8
    assert client.get(METRICS, {"days": "forever"}).context["days"] == 7


def test_a_creator_who_is_not_staff_gets_403(client, owner, jobs):
    client.force_login(owner)

    assert client.get(METRICS).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(METRICS)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_page_works_without_any_job(client, staff):
    client.force_login(staff)
    page = text(client.get(METRICS).content.decode())

    assert "No finished jobs in this period." in page and "No failed jobs in this period." in page
