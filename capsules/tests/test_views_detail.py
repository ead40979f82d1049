"""Capsule detail: the owner sees everything; other readers only a published public capsule, learner-safe."""

from __future__ import annotations

import pytest
from django.urls import reverse

from capsules.models import Capsule
from capsules.tests.samples import capsule_data

pytestmark = pytest.mark.django_db


def detail(capsule: Capsule) -> str:
    return reverse("capsules:detail", args=[capsule.pk])


# The secrets of each sample capsule: none of them may reach a reader who does not own it.
SECRETS = {
    "CODE": [
        "return max(numbers)",  # reference solution
        "print(find_largest([-3, -1, -7]))",  # hidden test call
    ],
    "DATABASE": [
        "WHERE city = &#x27;Berlin&#x27; ORDER BY name",  # reference query (escaped as the page shows it)
        "INSERT INTO customers",  # seed SQL
    ],
    "TERMINAL": [
        "grep -qx hello hello.txt",  # validation script
        "echo hello &gt; hello.txt",  # solution commands
    ],
}


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_the_owner_sees_the_whole_configuration(client, owner, make_capsule, capsule_type):
    capsule = make_capsule(owner, capsule_type)
    client.force_login(owner)
    response = client.get(detail(capsule))
    html = response.content.decode()
    assert response.status_code == 200
    for secret in SECRETS[capsule_type]:
        assert secret in html
    assert f'href="{reverse("capsules:edit", args=[capsule.pk])}"' in html
    assert f'href="{reverse("capsules:delete", args=[capsule.pk])}"' in html


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
@pytest.mark.parametrize("reader", ["other_creator", "anonymous"])
def test_other_readers_of_a_published_public_capsule_get_the_learner_safe_view(
    client, owner, other_creator, make_capsule, capsule_type, reader
):
    capsule = make_capsule(owner, capsule_type, status="published", is_public=True)
    capsule.validation_report = {"passed": True, "message": "reference output: secret-report-text"}
    capsule.save()
    if reader == "other_creator":
        client.force_login(other_creator)
    response = client.get(detail(capsule))
    html = response.content.decode()
    assert response.status_code == 200
    assert capsule.title in html
    for secret in SECRETS[capsule_type]:
        assert secret not in html
    assert "secret-report-text" not in html
    assert reverse("capsules:edit", args=[capsule.pk]) not in html
    assert reverse("capsules:delete", args=[capsule.pk]) not in html


def test_a_learner_sees_visible_tests_and_only_that_a_hidden_test_exists(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE", status="published", is_public=True)
    html = client.get(detail(capsule)).content.decode()
    assert "print(find_largest([1, 5, 2]))" in html  # the visible test
    assert "Hidden until you submit" in html
    assert "negative numbers" not in html  # a hidden test's description stays hidden too


@pytest.mark.parametrize("reader", ["other_creator", "anonymous"])
@pytest.mark.parametrize("state", [{"status": "draft", "is_public": True}, {"status": "published", "is_public": False}])
def test_a_capsule_that_is_not_published_and_public_is_not_found_by_others(
    client, owner, other_creator, make_capsule, reader, state
):
    capsule = make_capsule(owner, "CODE", **state)
    if reader == "other_creator":
        client.force_login(other_creator)
    assert client.get(detail(capsule)).status_code == 404


def test_an_unknown_capsule_is_not_found(client, owner):
    client.force_login(owner)
    assert client.get("/capsules/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_the_statement_is_rendered_from_markdown_and_never_carries_script(client, owner, make_capsule):
    statement = (
        "## Task\n\nReturn the **largest** number.\n\n"
        "<script>alert('statement')</script>\n\n"
        "[click me](javascript:alert('link'))\n\n"
        '<img src=x onerror="alert(1)">'
    )
    capsule = make_capsule(owner, "CODE", problem_statement_md=statement, status="published", is_public=True)
    html = client.get(detail(capsule)).content.decode()
    assert "<h2>Task</h2>" in html
    assert "<strong>largest</strong>" in html
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html
    assert "<img" not in html  # raw HTML is shown as text, never as markup


def test_the_owner_sees_the_last_validation_report_readably_and_raw(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    capsule.validation_report = {
        "passed": False,
        "category": "wrong_output",
        "message": "Test 2 printed -3, expected -1.",
        "tests": [
            {"index": 0, "description": "three numbers", "verdict": "AC"},
            {"index": 1, "description": "negative numbers", "verdict": "WA", "is_hidden": True},
        ],
    }
    capsule.save()
    client.force_login(owner)
    html = client.get(detail(capsule)).content.decode()
    assert "Failed" in html and "wrong_output" in html
    assert "Test 2 printed -3, expected -1." in html
    assert '<span class="verdict verdict--wa">WA</span>' in html
    assert "<summary>Full report (JSON)</summary>" in html
    assert "&quot;category&quot;: &quot;wrong_output&quot;" in html


def test_the_owner_is_told_when_a_capsule_was_never_validated(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE", status="draft")
    # every save is judged now; a row without a report is one saved before the judge existed
    Capsule.objects.filter(pk=capsule.pk).update(validation_report=None)
    client.force_login(owner)
    assert "This capsule has not been validated yet." in client.get(detail(capsule)).content.decode()


def test_the_owner_sees_the_report_the_judge_made_when_the_capsule_was_saved(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    html = client.get(detail(capsule)).content.decode()
    assert "This capsule has not been validated yet." not in html
    assert "Passed" in html
    assert "reference solution passes every test" in html
    assert '<span class="verdict verdict--ac">AC</span>' in html


def test_the_owner_sees_the_database_seed_sql_read_from_storage(client, owner, make_capsule):
    capsule = make_capsule(owner, "DATABASE")
    client.force_login(owner)
    html = client.get(detail(capsule)).content.decode()
    assert "CREATE TABLE customers" in html
    assert capsule_data("DATABASE")["config_data"]["schema_info"][0]["columns"][1] in html


def test_the_owner_is_told_the_capsule_has_a_hidden_dataset_and_learners_are_not(client, owner, other_creator, make_capsule):
    capsule = make_capsule(owner, "DATABASE", status="published", is_public=True)
    client.force_login(owner)

    html = client.get(detail(capsule)).content.decode()

    assert 'id="hidden-dataset-title">Hidden dataset <span class="tag tag--secret">never shown to learners</span>' in html
    assert "Submissions are also graded on a hidden dataset" in html
    client.force_login(other_creator)
    learner_html = client.get(detail(capsule)).content.decode()
    assert "Hidden dataset" not in learner_html and "&#x27;Barbara&#x27;" not in learner_html
    assert capsule.config_data["hidden_seed_sql_url"] not in learner_html
