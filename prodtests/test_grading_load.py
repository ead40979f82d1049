"""Grading stays available under a hostile load (the judge\'s promise "Available"), on the production-style stack: gunicorn,
PostgreSQL and Redis (the in-flight marks and rate limits are shared by every gunicorn worker through it).

Before: grading ran inside the web request with 8 judge slots, a sleeping Submit held a slot for every test, and
the per-learner limit was keyed on whatever key the client sent — so 16 sleeping Submits from one address left an
honest learner elsewhere ungraded after 49 s. Now:

1. N hostile learners (each with a key the server issued) submit sleeping code at once from 127.0.0.1 while an
   honest learner submits a right answer from 127.0.0.2 (the client binds its own loopback address): one hostile
   attempt is judged (TLE at its first test, one wall limit), the others are refused at once with 429 and
   Retry-After, and the honest learner is graded within 3 s. Every hostile learner has an answer within 5 s.
2. The same from N addresses (127.0.0.10 ...): now the judge's slots do fill up, so the honest learner is either
   graded or told 503 with Retry-After within the learner's slot wait — never held for minutes.

The judge's limits here: 1 s of CPU and 2 s of wall clock per test (the defaults are 2 s and 5 s; the bounds below
scale with them), 8 slots. The figures are printed (run with -s to see them).
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from prodtests.stack import WebServer

HOSTILE_LEARNERS = 16
WALL_SECONDS = 2
SLEEPER = "import time\ndef add(a, b):\n    time.sleep(60)\n"
RIGHT = "def add(a, b):\n    return a + b\n"


@dataclass
class Answer:
    status: int
    seconds: float
    retry_after: str | None
    body: str


@pytest.fixture
def loaded_server(production_env, transactional_db):
    env = {
        **production_env,
        "JUDGE_WALL_SECONDS": str(WALL_SECONDS),
        "JUDGE_CPU_SECONDS": "1",
        "JUDGE_SLOTS": "8",
        "JUDGE_LEARNER_SLOT_WAIT_SECONDS": "2",
        # Room for every request at once: refusals must not queue behind judged attempts in gunicorn's backlog.
        "GUNICORN_TIMEOUT": "60",
    }
    server = WebServer(env, workers=2, threads=16).start()
    yield server
    server.stop()


@pytest.fixture
def course(transactional_db):
    from django.contrib.auth.models import User

    from capsules.models import Capsule
    from playlists.services import playlist_create

    owner = User.objects.create_user("load-owner", "load-owner@example.com", "load-owner-pass-123")
    tests = [
        {"description": f"case {n}", "test_call": f"print(add({n}, 1))", "expected_output": f"{n + 1}\n", "is_hidden": n >= 3}
        for n in range(10)
    ]
    capsule = Capsule.objects.create(
        title="Add", capsule_type="CODE", problem_statement_md="Add.", language="python", runtime_tier="sandbox-python",
        creator=owner, status="published", is_public=True,
        config_data={"boilerplate_code": "def add(a, b):\n    pass\n", "reference_solution": RIGHT, "hints": [], "test_cases": tests},
    )  # fmt: skip
    return playlist_create(creator=owner, title="Load", is_public=True, items=[{"capsule_id": str(capsule.pk)}])


def issued_key(server: WebServer, course, address: str) -> str:
    # The learner's state issues their key (the embed page itself is the same for every learner).
    status, headers, _ = server.get(f"/embed/playlist/{course.pk}/state", client_address=address)
    assert status == 200
    return headers["x-learner-key"]


def submit(server: WebServer, course, code: str, *, key: str, address: str) -> Answer:
    started = time.monotonic()
    status, headers, body = server.request(
        "POST", f"/embed/playlist/{course.pk}/steps/1/submit", client_address=address, body=urlencode({"code": code}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true", "X-Learner-Key": key}, timeout=60,
    )  # fmt: skip
    return Answer(status, time.monotonic() - started, headers.get("retry-after"), body.decode(errors="replace"))


def at_once(jobs: dict[str, tuple]) -> dict[str, Answer]:
    """Run each job (server, course, code, key, address) in its own thread, all released together."""
    answers: dict[str, Answer] = {}
    gate = threading.Barrier(len(jobs))

    def run(name: str, server, course, code, key, address, delay: float) -> None:
        gate.wait()
        time.sleep(delay)
        answers[name] = submit(server, course, code, key=key, address=address)

    threads = [threading.Thread(target=run, args=(name, *job)) for name, job in jobs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def report(title: str, hostile: list[Answer], honest: Answer) -> None:
    counts = {status: sum(a.status == status for a in hostile) for status in sorted({a.status for a in hostile})}
    print(
        f"\n{title}: hostile statuses {counts}, slowest hostile {max(a.seconds for a in hostile):.2f} s, "
        f"median hostile {statistics.median(a.seconds for a in hostile):.2f} s; honest {honest.status} in {honest.seconds:.2f} s"
    )


def test_sleeping_submissions_from_one_address_leave_an_honest_learner_elsewhere_graded(loaded_server, course):
    keys = [issued_key(loaded_server, course, "127.0.0.1") for _ in range(HOSTILE_LEARNERS)]
    honest_key = issued_key(loaded_server, course, "127.0.0.2")
    jobs = {f"hostile-{n}": (loaded_server, course, SLEEPER, key, "127.0.0.1", 0.0) for n, key in enumerate(keys)}
    # The honest learner presses Submit while the hostile ones are in flight.
    jobs["honest"] = (loaded_server, course, RIGHT, honest_key, "127.0.0.2", 0.3)
    answers = at_once(jobs)

    honest, hostile = answers.pop("honest"), list(answers.values())
    report("one hostile address", hostile, honest)
    assert honest.status == 200 and "All 10 tests pass." in honest.body
    assert honest.seconds < 3
    assert all(answer.seconds < 5 for answer in hostile), [round(a.seconds, 2) for a in hostile]
    assert sum(answer.status == 200 for answer in hostile) >= 1  # judged: its first test ran out of time...
    judged = next(answer for answer in hostile if answer.status == 200)
    assert "Time limit exceeded" in judged.body and "Not run" in judged.body  # ...and the rest were not run
    refused = [answer for answer in hostile if answer.status == 429]
    assert len(refused) + sum(a.status == 200 for a in hostile) == HOSTILE_LEARNERS
    assert refused and all(answer.retry_after for answer in refused)


def test_sleeping_submissions_from_many_addresses_get_an_honest_learner_an_answer_quickly(loaded_server, course):
    addresses = [f"127.0.0.{10 + n}" for n in range(HOSTILE_LEARNERS)]
    keys = [issued_key(loaded_server, course, address) for address in addresses]
    honest_key = issued_key(loaded_server, course, "127.0.0.2")
    jobs = {
        f"hostile-{n}": (loaded_server, course, SLEEPER, key, address, 0.0)
        for n, (key, address) in enumerate(zip(keys, addresses, strict=True))
    }
    jobs["honest"] = (loaded_server, course, RIGHT, honest_key, "127.0.0.2", 0.3)
    answers = at_once(jobs)

    honest, hostile = answers.pop("honest"), list(answers.values())
    report("sixteen hostile addresses", hostile, honest)
    # Graded, or told to come back: within the learner's wait for a slot, never minutes.
    assert honest.status in (200, 503) and honest.seconds < 3.5
    if honest.status == 503:
        assert honest.retry_after and "your code is kept" in honest.body
    else:
        assert "All 10 tests pass." in honest.body
    assert {answer.status for answer in hostile} <= {200, 503}
    assert all(answer.seconds < WALL_SECONDS + 3 for answer in hostile), [round(a.seconds, 2) for a in hostile]
