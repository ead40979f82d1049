"""POST /api/capsules/<id>/attempts: learners are graded without seeing hidden tests or solutions."""

from __future__ import annotations

import json

import pytest

from capsules.tests.samples import capsule_data

pytestmark = pytest.mark.django_db

CORRECT = "def find_largest(numbers):\n    return max(numbers)\n"
HALF_RIGHT = "def find_largest(numbers):\n    return 5\n"  # right for [1, 5, 2], wrong for the hidden test


def url(capsule) -> str:
    return f"/api/capsules/{capsule.pk}/attempts"


@pytest.fixture
def published(owner, make_capsule):
    return make_capsule(owner, status="published", is_public=True)


def test_an_anonymous_learner_gets_per_test_verdicts_and_a_score(api_client, published):
    response = api_client.post(url(published), {"code": HALF_RIGHT}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["graded"], body["passed"], body["score"]) == (True, False, 0.5)
    visible, hidden = body["tests"]
    assert visible == {
        "index": 0, "is_hidden": False, "verdict": "AC", "passed": True, "description": "three numbers",
        "call": "print(find_largest([1, 5, 2]))", "expected": "5\n", "actual": "5\n", "stderr": "",
        "verdict_label": "Passed",
    }
    assert hidden == {"index": 1, "is_hidden": True, "verdict": "WA", "passed": False, "verdict_label": "Wrong answer"}


def _with_failure_messages(capsule, *messages: str | None):
    """The capsule's tests given these authors' hints (None: none), saved as parse_capsule would store them."""
    config = capsule.config_data
    for case, message in zip(config["test_cases"], messages, strict=True):
        if message is not None:
            case["failure_message"] = message
    capsule.config_data = config
    capsule.save(update_fields=["config_data"])
    return capsule


def test_a_failing_hidden_test_carries_its_authors_hint_and_nothing_else(api_client, published):
    _with_failure_messages(published, None, "Check lists whose largest number comes last.")
    hidden_case = capsule_data()["config_data"]["test_cases"][1]
    body = api_client.post(url(published), {"code": HALF_RIGHT}, format="json").json()

    hidden = body["tests"][1]
    assert hidden == {
        "index": 1, "is_hidden": True, "verdict": "WA", "passed": False, "verdict_label": "Wrong answer",
        "failure_message": "Check lists whose largest number comes last.",
    }  # fmt: skip
    assert hidden_case["test_call"] not in json.dumps(body)
    assert "failure_message" not in body["tests"][0]  # the visible test has none, and passed


def test_a_passing_hidden_test_keeps_its_hint_to_itself(api_client, published):
    _with_failure_messages(published, "visible-hint-marker", "hidden-hint-marker")
    text = json.dumps(api_client.post(url(published), {"code": CORRECT}, format="json").json())
    assert "hint-marker" not in text


def test_a_run_never_shows_a_hidden_tests_hint(published):
    # Run grades the visible tests only: a hidden test's hint needs a Submit that fails it.
    from judges.grading import grade_attempt

    _with_failure_messages(published, None, "hidden-hint-marker")
    result = grade_attempt(capsule=published, code="def find_largest(numbers):\n    return 0\n", mode="run")
    assert "hidden-hint-marker" not in result.model_dump_json()
    submitted = grade_attempt(capsule=published, code="def find_largest(numbers):\n    return 0\n")
    assert submitted.tests[1].failure_message == "hidden-hint-marker"


def test_a_hidden_tests_call_and_expected_output_never_appear(api_client, published):
    hidden = capsule_data()["config_data"]["test_cases"][1]
    text = json.dumps(api_client.post(url(published), {"code": HALF_RIGHT}, format="json").json())
    assert hidden["test_call"] not in text
    assert json.dumps(hidden["expected_output"]) not in text
    assert "return max(numbers)" not in text  # nor the reference solution


def test_a_correct_solution_scores_one(api_client, published):
    body = api_client.post(url(published), {"code": CORRECT}, format="json").json()
    assert (body["passed"], body["score"], body["message"]) == (True, 1.0, "All 2 tests pass.")


def test_a_compile_error_is_ungraded(api_client, published):
    body = api_client.post(url(published), {"code": "def find_largest(:\n"}, format="json").json()
    assert body["graded"] is False and body["score"] is None
    assert "SyntaxError" in body["compile_error"]


def test_code_over_64_kb_is_refused_with_a_field_error(api_client, published):
    response = api_client.post(url(published), {"code": "#" * (64 * 1024 + 1)}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"code": "is 65537 bytes; the limit is 65536 bytes"}


def test_a_private_capsule_cannot_be_attempted_by_others(api_client, other_creator, owner, make_capsule):
    private = make_capsule(owner)
    assert api_client.post(url(private), {"code": CORRECT}, format="json").status_code == 404
    api_client.force_authenticate(other_creator)
    assert api_client.post(url(private), {"code": CORRECT}, format="json").status_code == 404
    api_client.force_authenticate(owner)
    assert api_client.post(url(private), {"code": CORRECT}, format="json").status_code == 200


def test_attempts_are_rate_limited_per_client(api_client, published, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"attempts": "2/minute"})
    codes = [api_client.post(url(published), {"code": "x = 1"}, format="json").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert api_client.post(url(published), {"code": "x = 1"}, format="json").json()["error"]["code"] == "throttled"


def test_a_database_attempt_is_compared_with_the_stored_result(api_client, owner, make_capsule):
    capsule = make_capsule(owner, "DATABASE", status="published", is_public=True)
    assert capsule.validation_report["expected_result"]["rows"] == [["Ada"], ["Grace"]]
    right = api_client.post(
        url(capsule), {"code": "SELECT name AS n FROM customers WHERE city = 'Berlin' ORDER BY 1"}, format="json"
    ).json()
    assert (right["passed"], right["score"]) == (True, 1.0)
    wrong_order = api_client.post(
        url(capsule), {"code": "SELECT name FROM customers WHERE city = 'Berlin' ORDER BY name DESC"}, format="json"
    ).json()
    assert wrong_order["passed"] is False and "order" in wrong_order["message"]
    extra = api_client.post(url(capsule), {"code": "SELECT name FROM customers ORDER BY name"}, format="json").json()
    assert extra["difference"]["extra_row_count"] == 1
    assert extra["result"]["rows"] == [["Ada"], ["Grace"], ["Linus"]]
    broken = api_client.post(url(capsule), {"code": "SELEC name"}, format="json").json()
    assert broken["graded"] is False and "syntax error" in broken["message"]


def test_a_terminal_attempt_reports_each_task(api_client, owner, make_capsule):
    capsule = make_capsule(owner, "TERMINAL", status="published", is_public=True)
    body = api_client.post(url(capsule), {"code": "echo hello > hello.txt\necho done"}, format="json").json()
    assert [(t["task_id"], t["passed"]) for t in body["tasks"]] == [("create-file", True), ("make-dir", False)]
    assert body["score"] == 0.5 and body["output"].strip() == "done"
    assert "grep -qx" not in json.dumps(body)  # validation scripts stay private
