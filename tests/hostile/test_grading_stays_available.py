"""Available: a learner who wants to stop grading for everyone, through the embed's Submit, its terminal
and the attempts API.

- A looping or sleeping submission costs one wall-clock limit, and its remaining tests are "not run".
- One attempt in flight per learner and per address: a second one is refused at once with 429 and Retry-After.
- A judge whose every slot is busy answers 503 with Retry-After after JUDGE_LEARNER_SLOT_WAIT_SECONDS, with the
  learner's work kept, instead of holding the request for minutes.
- Rate limits count learners by keys the server signed: a made-up key is its address's one anonymous learner.
- Sign-up is open, so creators' synchronous judgements (saves through the API and the dashboard, the validate API)
  are held to one in flight per account and per address too, counted apart from learners.
(The same under real load, with gunicorn and several addresses: prodtests/test_grading_load.py.)
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from capsules.models import Capsule
from codecapsule.admission import KEY_PREFIX
from judges.sandbox.slots import claim_slot, release_slot
from tests.hostile.conftest import LEARNER

SLEEPER = "import time\ndef add(a, b):\n    time.sleep(60)\n"
RIGHT = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def exercise(owner, publish, settings):
    settings.JUDGE_WALL_SECONDS = 1
    settings.JUDGE_CPU_SECONDS = 1
    tests = [
        {"description": f"case {n}", "test_call": f"print(add({n}, 1))", "expected_output": f"{n + 1}\n", "is_hidden": n >= 2}
        for n in range(6)
    ]
    capsule = Capsule.objects.create(
        title="Add", capsule_type="CODE", problem_statement_md="Add.", language="python", runtime_tier="sandbox-python", creator=owner,
        config_data={"boilerplate_code": "def add(a, b):\n    pass\n", "reference_solution": RIGHT, "hints": [], "test_cases": tests},
    )  # fmt: skip
    return publish(capsule)


def submit(client, course, code: str, *, key: str | None = LEARNER, address: str = "127.0.0.1"):
    headers = {"HX-Request": "true", **({"X-Learner-Key": key} if key else {})}
    return client.post(
        reverse("playlists:step_submit", args=[course.pk, 1]), data=urlencode({"code": code}),
        content_type="application/x-www-form-urlencoded", headers=headers, REMOTE_ADDR=address,
    )  # fmt: skip


def test_a_sleeping_submission_costs_one_wall_limit_and_the_rest_are_not_run(client, exercise):
    capsule, course = exercise
    started = time.monotonic()
    response = submit(client, course, SLEEPER)
    elapsed = time.monotonic() - started

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("Time limit exceeded") == 1 and page.count("Not run") >= 1
    assert page.count('data-verdict="TLE"') == 1 and ">TLE<" not in page  # the code is data, the words are shown
    assert elapsed < 1 + 3, f"one wall limit (1 s) and the sandbox, not six: {elapsed:.1f} s"


def test_the_api_reports_the_tests_after_a_timeout_as_not_run(api_client, exercise):
    capsule, _course = exercise
    answer = api_client.post(reverse("api-capsule-attempts", args=[capsule.pk]), {"code": SLEEPER}, format="json").json()

    assert [test["verdict"] for test in answer["tests"]] == ["TLE", "NR", "NR", "NR", "NR", "NR"]
    assert answer["score"] == 0.0


def test_a_second_attempt_while_the_first_is_graded_is_refused_with_retry_after(client, api_client, exercise, settings):
    capsule, course = exercise
    # The learner's first attempt, as codecapsule/admission.py marks it while it is being graded.
    cache.add(f"{KEY_PREFIX}:address:127.0.0.1", 1, timeout=60)

    page = submit(client, course, RIGHT)
    api = api_client.post(reverse("api-capsule-attempts", args=[capsule.pk]), {"code": RIGHT}, format="json", REMOTE_ADDR="127.0.0.1")

    assert page.status_code == 429 and page["Retry-After"] == str(settings.JUDGE_BUSY_RETRY_AFTER_SECONDS)
    assert "still being checked" in page.content.decode()
    assert api.status_code == 429 and api["Retry-After"] == str(settings.JUDGE_BUSY_RETRY_AFTER_SECONDS)
    assert api.json()["error"]["code"] == "attempt_in_flight"


def test_another_address_is_graded_meanwhile(client, exercise):
    _capsule, course = exercise
    cache.add(f"{KEY_PREFIX}:address:127.0.0.1", 1, timeout=60)

    assert submit(client, course, RIGHT, address="127.0.0.2").status_code == 200


def test_the_in_flight_mark_is_gone_once_the_attempt_is_graded(client, exercise):
    _capsule, course = exercise
    assert submit(client, course, RIGHT).status_code == 200
    assert submit(client, course, RIGHT).status_code == 200
    assert cache.get(f"{KEY_PREFIX}:address:127.0.0.1") is None


def test_a_full_judge_answers_503_with_retry_after_within_the_learner_wait(client, api_client, exercise, settings):
    capsule, course = exercise
    settings.JUDGE_SLOTS = 1
    settings.JUDGE_WARM_SANDBOXES = 0
    settings.JUDGE_LEARNER_SLOT_WAIT_SECONDS = 1
    # Another learner's attempt holds the only slot (waiting, this process's idle warm sandboxes give theirs back).
    held = claim_slot(wait=True, wait_seconds=10)
    assert held is not None
    try:
        started = time.monotonic()
        page = submit(client, course, RIGHT)
        waited = time.monotonic() - started
        api = api_client.post(reverse("api-capsule-attempts", args=[capsule.pk]), {"code": RIGHT}, format="json")
    finally:
        release_slot(held)

    assert page.status_code == 503 and page["Retry-After"] == str(settings.JUDGE_BUSY_RETRY_AFTER_SECONDS)
    assert "your code is kept" in page.content.decode()
    assert 1 <= waited < 1 + 2
    assert api.status_code == 503 and api["Retry-After"] and api.json()["error"]["code"] == "judge_unavailable"


def test_made_up_keys_count_as_one_learner_of_their_address(exercise, settings):
    _capsule, course = exercise
    settings.EMBED_SUBMITS_PER_MINUTE = 2
    # A fresh client each time: no cookie, a new made-up key, a new "learner" per request as the attacker hopes.
    statuses = [submit(Client(), course, RIGHT, key=f"made-up-key-{n:020d}").status_code for n in range(3)]

    assert statuses == [200, 200, 429]


def test_keys_the_server_issued_count_as_learners_of_their_own(exercise, settings):
    _capsule, course = exercise
    settings.EMBED_SUBMITS_PER_MINUTE = 2
    # The state endpoint issues a new learner their key (the embed page itself is the same for everyone).
    issued = [Client().get(reverse("playlists:embed_playlist_state", args=[course.pk]))["X-Learner-Key"] for _ in range(3)]

    assert len(set(issued)) == 3
    assert [submit(Client(), course, RIGHT, key=key).status_code for key in issued] == [200, 200, 200]
    assert submit(Client(), course, RIGHT, key=issued[0]).status_code == 200
    assert submit(Client(), course, RIGHT, key=issued[0]).status_code == 429


def test_a_terminal_command_while_another_is_judged_is_refused_with_retry_after(client, owner, publish, settings):
    capsule = Capsule.objects.create(
        title="Shell", capsule_type="TERMINAL", problem_statement_md="x", language="bash", runtime_tier="sandbox-bash", creator=owner,
        config_data={
            "hints": [], "tasks": [{"task_id": "t", "description": "d", "validation_script": "true", "solution_commands": "true"}],
        },
    )  # fmt: skip
    _capsule, course = publish(capsule)
    cache.add(f"{KEY_PREFIX}:address:127.0.0.1", 1, timeout=60)

    response = client.post(
        reverse("playlists:step_terminal_run", args=[course.pk, 1]), data=urlencode({"command": "ls"}),
        content_type="application/x-www-form-urlencoded", headers={"HX-Request": "true", "X-Learner-Key": LEARNER},
    )  # fmt: skip

    assert response.status_code == 429 and response["Retry-After"] == str(settings.JUDGE_BUSY_RETRY_AFTER_SECONDS)


def test_a_creators_second_judgement_while_one_is_in_flight_is_refused_with_retry_after(owner, owner_api, settings):
    from capsules.tests.samples import capsule_data

    mine = Capsule.objects.create(
        title="Mine", capsule_type="CODE", problem_statement_md="x", language="python", runtime_tier="sandbox-python", creator=owner,
        config_data=capsule_data("CODE")["config_data"],
    )  # fmt: skip
    cache.add(f"{KEY_PREFIX}:creator:{owner.pk}", 1, timeout=60)  # a save of theirs being judged

    created = owner_api.post(reverse("api-capsule-list"), capsule_data("CODE"), format="json")
    validated = owner_api.post(reverse("api-capsule-validate", args=[mine.pk]))

    for response in (created, validated):
        assert response.status_code == 429 and response["Retry-After"] == str(settings.JUDGE_BUSY_RETRY_AFTER_SECONDS)
        assert response.json()["error"]["code"] == "attempt_in_flight"
    assert Capsule.objects.count() == 1  # nothing saved (the dashboard: capsules/tests/test_views_edit.py)


def test_a_teacher_saving_does_not_hold_up_their_class(owner, owner_api, exercise):
    _capsule, course = exercise
    cache.add(f"{KEY_PREFIX}:creator-address:127.0.0.1", 1, timeout=60)

    assert submit(Client(), course, RIGHT).status_code == 200
