"""The training set (feedback.training.build): OpenAI chat examples from corrected capsules that pass the judge now,
as the Coder is prompted and answers, deduplicated, scoped to what the caller may export, with its summary."""

from __future__ import annotations

import json

import pytest

from capsules.models import Capsule, CapsuleStatus
from feedback.tests.training_samples import IDEA, corrected, corrected_capsule, generated_capsule
from feedback.training import build
from feedback.training.build import training_examples, training_set_summary
from generation.agents import coder
from generation.agents.base import GenerationRequest

pytestmark = pytest.mark.django_db


def answer_of(example: dict) -> dict:
    roles = [message["role"] for message in example["messages"]]
    assert roles == ["system", "user", "assistant"]
    return json.loads(example["messages"][2]["content"])


def test_an_example_is_the_coders_own_prompts_and_the_corrected_capsule_as_its_answer(owner):
    corrected_capsule(owner, "Find the maximum", prompt="the largest number in a list")

    [example] = training_examples()

    expected_system, expected_user = coder.messages_for(
        GenerationRequest(capsule_type="CODE", language="python", difficulty="easy", prompt="the largest number in a list"), IDEA
    )
    system, user, _ = example["messages"]
    assert system["content"] == expected_system["content"]
    assert system["content"].startswith("You are the Coder of CodeCapsule.")
    assert user["content"] == expected_user["content"]
    assert "the largest number in a list" in user["content"] and IDEA["description"] in user["content"]
    answer = answer_of(example)
    assert answer["title"] == "Find the maximum"
    assert answer["reference_solution"] == "def find_largest(numbers):\n    return max(numbers)\n"
    assert set(answer) == {"title", "problem_statement_md", "boilerplate_code", "reference_solution", "hints", "test_cases"}


def test_the_answer_carries_the_values_the_creator_corrected(owner):
    capsule = generated_capsule(owner)
    tests = capsule.config_data["test_cases"]
    tests[1] = {**tests[1], "description": "only negative numbers", "test_call": "print(find_largest([-8, -2]))", "expected_output": "-2\n"}
    corrected(capsule, config_data={"test_cases": tests, "hints": ["Look at the built-ins."]})

    answer = answer_of(training_examples()[0])

    assert answer["test_cases"][1] == {
        "description": "only negative numbers", "test_call": "print(find_largest([-8, -2]))", "expected_output": "-2\n", "is_hidden": True,
    }  # fmt: skip
    assert answer["hints"] == ["Look at the built-ins."]


def test_a_database_answer_includes_the_seed_sql_read_back_from_storage(owner):
    corrected_capsule(owner, "Berlin customers", "DATABASE")

    answer = answer_of(training_examples()[0])

    assert answer["seed_sql"].startswith("CREATE TABLE customers")
    assert answer["hidden_seed_sql"].startswith("CREATE TABLE customers") and "'Barbara'" in answer["hidden_seed_sql"]
    assert answer["schema_info"] == [{"table_name": "customers", "columns": ["id (INTEGER)", "name (TEXT)", "city (TEXT)"]}]


def test_a_database_capsule_without_a_hidden_dataset_is_left_out_though_it_passes_as_an_older_capsule(owner):
    # Saved before hidden datasets existed: it still passes as an existing capsule (with a warning), but an
    # example teaches the Coder to write NEW capsules, which need one.
    capsule = generated_capsule(owner, "DATABASE")
    config = {key: value for key, value in capsule.config_data.items() if key != "hidden_seed_sql_url"}
    Capsule.objects.filter(pk=capsule.pk).update(config_data=config)
    capsule.refresh_from_db()
    capsule = corrected(capsule, title="Berlin customers")
    assert capsule.validation_report["passed"] is True and capsule.validation_report["warnings"]

    summary = training_set_summary()

    assert summary["examples"] == 0
    assert summary["skipped_not_passing"] == 1


def test_a_generated_capsule_nobody_edited_is_not_an_example(owner):
    generated_capsule(owner)

    assert training_examples() == []
    assert training_set_summary()["capsules_considered"] == 0


def test_an_edit_that_fails_the_judge_is_no_correction_and_no_example(owner):
    capsule = generated_capsule(owner)
    tests = capsule.config_data["test_cases"]
    tests[0] = {**tests[0], "expected_output": "6\n"}  # wrong: the reference prints 5
    corrected(capsule, config_data={"test_cases": tests})

    summary = training_set_summary()

    assert (summary["examples"], summary["capsules_considered"]) == (0, 0)


def test_a_corrected_capsule_whose_latest_save_is_not_validated_is_left_out(owner):
    capsule = corrected_capsule(owner, "Find the maximum")  # a validated correction: an example so far
    assert len(training_examples()) == 1
    tests = capsule.config_data["test_cases"]
    tests[0] = {**tests[0], "expected_output": "6\n"}  # then saved broken: the judge fails it
    broken = corrected(capsule, config_data={"test_cases": tests})
    assert broken.status == "draft"

    summary = training_set_summary()

    assert (summary["examples"], summary["capsules_considered"], summary["skipped_not_validated"]) == (0, 1, 1)
    assert build.training_set_build().jsonl() == b""


def test_it_judges_each_capsule_again_rather_than_trusting_the_stored_report(owner, monkeypatch):
    capsule = corrected_capsule(owner, "Find the maximum")
    assert capsule.validation_report["passed"] is True
    monkeypatch.setattr(build, "judge_capsule", lambda data, new: {"passed": False, "category": "wrong_output"})

    assert training_set_summary()["skipped_not_passing"] == 1


def test_a_verdict_is_reused_until_the_capsule_changes(owner, monkeypatch):
    capsule = corrected_capsule(owner, "Find the maximum")
    judged = []
    monkeypatch.setattr(build, "judge_capsule", lambda data, new: judged.append(data["title"]) or {"passed": True})

    training_examples()
    training_examples()
    corrected(capsule, title="Find the biggest")
    training_examples()

    assert judged == ["Find the maximum", "Find the biggest"]


def test_a_capsule_written_by_hand_is_left_out(owner, make_capsule):
    corrected(make_capsule(owner), title="Find the maximum")  # no AI output: nothing it corrects

    summary = training_set_summary()

    assert (summary["examples"], summary["capsules_considered"], summary["skipped_no_job"]) == (0, 0, 0)


def test_a_capsule_whose_job_was_deleted_after_its_correction_is_left_out(owner):
    capsule = corrected_capsule(owner, "Find the maximum")
    capsule.generation_jobs.all().delete()

    summary = training_set_summary()

    assert (summary["examples"], summary["capsules_considered"], summary["skipped_no_job"]) == (0, 1, 1)


def test_a_capsule_whose_job_recorded_no_idea_is_left_out(owner):
    corrected_capsule(owner, "Find the maximum", idea=None)

    assert training_set_summary()["skipped_no_idea"] == 1


def test_a_rejected_capsule_is_left_out(owner):
    capsule = corrected_capsule(owner, "Find the maximum")
    Capsule.objects.filter(pk=capsule.pk).update(status=CapsuleStatus.REJECTED)

    assert training_set_summary()["skipped_moderated"] == 1


def test_identical_examples_count_once(owner, other_creator):
    corrected_capsule(owner, "Find the maximum")
    corrected_capsule(other_creator, "Find the maximum")
    corrected_capsule(owner, "Find the biggest")

    summary = training_set_summary()

    assert len(training_examples()) == 2
    assert (summary["examples"], summary["duplicates"], summary["capsules_considered"]) == (2, 1, 3)


def test_staff_export_everyones_capsules_and_a_creator_only_their_own(owner, other_creator, staff):
    corrected_capsule(owner, "Owner's capsule")
    corrected_capsule(other_creator, "Other's capsule")

    def titles(**scope) -> list[str]:
        return [answer_of(example)["title"] for example in training_examples(**scope)]

    assert titles(user=staff) == ["Owner's capsule", "Other's capsule"]
    assert titles() == ["Owner's capsule", "Other's capsule"]
    assert titles(user=owner) == ["Owner's capsule"]
    assert titles(user=other_creator) == ["Other's capsule"]
    assert titles(user=staff, owner=other_creator) == ["Other's capsule"]


def test_an_edit_by_staff_makes_a_creators_capsule_count_in_the_creators_export(owner, staff):
    corrected(generated_capsule(owner), actor=staff, title="Fixed by staff")

    assert [answer_of(example)["title"] for example in training_examples(user=owner)] == ["Fixed by staff"]


def test_the_summary_counts_examples_by_capsule_type(owner):
    corrected_capsule(owner, "One", "CODE")
    corrected_capsule(owner, "Two", "CODE")
    corrected_capsule(owner, "Three", "TERMINAL")

    summary = training_set_summary(owner)

    assert summary == {
        "examples": 3,
        "capsules_considered": 3,
        "skipped_moderated": 0,
        "skipped_not_validated": 0,
        "skipped_no_job": 0,
        "skipped_no_idea": 0,
        "skipped_request_changed": 0,
        "skipped_not_passing": 0,
        "duplicates": 0,
        "by_capsule_type": {"CODE": 2, "DATABASE": 0, "TERMINAL": 1},
    }


def test_the_jsonl_has_one_example_per_line(owner):
    corrected_capsule(owner, "One")
    corrected_capsule(owner, "Two", problem_statement_md="Line one\nline two")

    built = build.training_set_build()
    lines = built.jsonl().decode().splitlines()

    assert [json.loads(line) for line in lines] == built.examples
    assert built.jsonl().endswith(b"\n")
