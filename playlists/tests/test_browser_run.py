"""Run in the learner's browser, server side: what an embed of a browser-tier capsule hands the browser (the visible
tests and limits, never a hidden test), the visible seed a DATABASE capsule's browser Run fetches (never the hidden
dataset), and the server's Run that the browser falls back on saying it ran there."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from capsules.models import Capsule

pytestmark = pytest.mark.django_db

BROWSER_JOB = re.compile(r'<script id="ws-browser-job" type="application/json">(.*?)</script>', re.S)


def published(make_capsule, owner, capsule_type: str, tier: str | None, **config) -> Capsule:
    runtime = {"language": "python" if capsule_type == "CODE" else "sql"}
    if tier:
        runtime["runtime_tier"] = tier
    capsule = make_capsule(owner, capsule_type, status="published", is_public=True, runtime_config=runtime)
    return capsule


def embed_html(capsule: Capsule) -> str:
    response = Client().get(reverse("playlists:embed_capsule", args=[capsule.pk]))
    assert response.status_code == 200
    return response.content.decode()


def browser_job(html: str) -> dict:
    found = BROWSER_JOB.search(html)
    assert found, "no browser job in the page"
    return json.loads(found.group(1))


def test_a_browser_tier_capsule_hands_the_browser_its_visible_tests_and_nothing_hidden(make_capsule, owner):
    capsule = published(make_capsule, owner, "CODE", "wasm-python")

    html = embed_html(capsule)
    job = browser_job(html)

    assert 'data-browser-engine="python"' in html
    assert "vendor/runners/browser-run.js" in html
    assert job["engine"] == "python"
    assert job["tests"] == [
        {
            "index": 0,
            "description": "three numbers",
            "failure_message": "",
            "test_call": "print(find_largest([1, 5, 2]))",
            "expected_output": "5\n",
            "compare": "trim",
            "tolerance": None,
        }
    ]
    assert job["hidden_tests"] == 1
    assert job["limits"]["wall_seconds"] > 0 and job["limits"]["output_bytes"] > 0
    assert job["verdict_labels"]["TLE"] == "Time limit exceeded"
    # The hidden test's call and output and the reference appear nowhere in the page.
    assert "find_largest([-3, -1, -7])" not in html
    assert "return max(numbers)" not in html


def test_a_capsule_of_a_server_tier_runs_on_the_server(make_capsule, owner):
    html = embed_html(published(make_capsule, owner, "CODE", None))

    assert "ws-browser-job" not in html
    assert "data-browser-engine" not in html


def test_the_browser_fetches_only_the_visible_seed_of_a_wasm_sqlite_capsule(make_capsule, owner):
    capsule = published(make_capsule, owner, "DATABASE", "wasm-sqlite")
    html = embed_html(capsule)
    seed_url = reverse("playlists:capsule_seed", args=[capsule.pk])
    assert f'data-seed-url="{seed_url}"' in html
    assert browser_job(html)["engine"] == "sqlite"

    response = Client().get(seed_url)

    assert response.status_code == 200
    body = response.content.decode()
    assert "('Ada', 'Berlin')" in body
    assert "Ken" not in body and "Edsger" not in body  # the hidden dataset stays on the server
    assert response["Cache-Control"] == "private, max-age=3600"
    again = Client().get(seed_url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_seed_endpoint_serves_no_other_capsule(make_capsule, owner, other_creator):
    server_tier = published(make_capsule, owner, "DATABASE", None)
    private = make_capsule(other_creator, "DATABASE", runtime_config={"language": "sql", "runtime_tier": "wasm-sqlite"})

    assert Client().get(reverse("playlists:capsule_seed", args=[server_tier.pk])).status_code == 404
    assert Client().get(reverse("playlists:capsule_seed", args=[private.pk])).status_code == 404


def test_a_run_the_server_answers_for_a_browser_tier_says_the_server_ran_it(make_capsule, owner, settings):
    capsule = published(make_capsule, owner, "CODE", "wasm-python")
    url = reverse("playlists:capsule_run", args=[capsule.pk])

    response = Client().post(url, {"code": "def find_largest(numbers):\n    return 5\n"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert "All 1 example tests pass." in html
    assert "Ran on the server: your browser could not run it here." in html


def test_generation_gives_python_javascript_and_sqlite_their_browser_tier():
    from capsules.schemas import generated_runtime_tier

    assert generated_runtime_tier("python") == "wasm-python"
    assert generated_runtime_tier("javascript") == "browser-javascript"
    assert generated_runtime_tier("sql", "sqlite") == "wasm-sqlite"
    assert generated_runtime_tier("sql", "postgresql") == "sandbox-postgresql"
    assert generated_runtime_tier("java") == "sandbox-jvm"
