"""Net corrections (feedback.edits.net, services.net_corrections_refresh): what counts as a correction is the change from
the generation job's output to the capsule's latest validated state, not every save. The audit trail (CreatorEdit)
still records every save; the insights and the training set read only the net change."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.conf import Conf

from capsules.selectors import capsule_base_dict
from capsules.services import capsule_update
from feedback.edits.capture import net_corrections_refresh
from feedback.edits.net import ai_output, capsule_content, is_validated_state
from feedback.edits.selectors import job_drafts
from feedback.insights.analysis import feedback_insights
from feedback.models import CreatorEdit, EditType, NetCorrection
from feedback.tests.training_samples import corrected, generated_capsule
from feedback.training.build import training_examples, training_set_summary
from generation.models import JobStatus
from generation.services import generation_job_create

pytestmark = pytest.mark.django_db


def with_test(capsule, index: int, **changes):
    """The capsule's test list with test `index` changed."""
    tests = copy.deepcopy(capsule.config_data["test_cases"])
    tests[index] = {**tests[index], **changes}
    return tests


def net(capsule) -> dict[str, tuple]:
    rows = NetCorrection.objects.filter(capsule=capsule)
    return {row.field_path: (row.original_value, row.corrected_value, row.edit_type) for row in rows}


# --- The net change ---------------------------------------------------------------------------------------


def test_breaking_a_capsule_and_fixing_it_back_is_no_correction_and_no_training_example(owner):
    capsule = generated_capsule(owner)
    right = capsule.config_data["test_cases"][0]["expected_output"]
    broken = corrected(capsule, config_data={"test_cases": with_test(capsule, 0, expected_output="6\n")})
    assert broken.status == "draft"  # the judge failed the broken save
    fixed = corrected(broken, config_data={"test_cases": with_test(broken, 0, expected_output=right)})
    assert fixed.status == "validated"

    assert CreatorEdit.objects.filter(capsule=capsule).count() == 2  # the audit trail keeps both saves
    assert net(capsule) == {}
    assert feedback_insights(user=owner, days=7)["total_edits"] == 0
    assert training_examples() == [] and training_set_summary()["capsules_considered"] == 0


def test_a_field_changed_twice_counts_once_with_its_final_value(owner):
    capsule = generated_capsule(owner)
    original_title = capsule.title
    capsule = corrected(capsule, title="Find the maximum")
    capsule = corrected(capsule, title="The largest number of a list")

    assert net(capsule) == {"title": (original_title, "The largest number of a list", EditType.STATEMENT_REWRITE)}
    insights = feedback_insights(user=owner, days=7)
    assert insights["total_edits"] == 1
    assert [(row["key"], row["count"]) for row in insights["by_edit_type"]] == [("statement_rewrite", 1)]
    [example] = training_examples()
    assert "The largest number of a list" in example["messages"][2]["content"]


def test_a_save_that_breaks_the_capsule_keeps_the_corrections_of_the_last_validated_state(owner):
    capsule = generated_capsule(owner)
    capsule = corrected(capsule, title="Find the maximum")
    broken = corrected(capsule, title="Broken", config_data={"test_cases": with_test(capsule, 0, expected_output="6\n")})

    assert not is_validated_state(broken)
    assert set(net(capsule)) == {"title"}
    assert net(capsule)["title"][1] == "Find the maximum"  # the validated value, not "Broken"
    assert feedback_insights(user=owner, days=7)["total_edits"] == 1
    summary = training_set_summary()
    assert (summary["examples"], summary["skipped_not_validated"]) == (0, 1)


def test_an_inconclusive_judgement_is_not_a_validated_state(owner):
    capsule = generated_capsule(owner)
    capsule.validation_report = {"passed": False, "category": "inconclusive"}  # the status stays validated

    assert capsule.status == "validated" and not is_validated_state(capsule)
    assert net_corrections_refresh(capsule=capsule) is None


def test_making_a_test_hidden_is_a_visibility_correction(owner):
    capsule = generated_capsule(owner)
    visible = next(i for i, test in enumerate(capsule.config_data["test_cases"]) if not test["is_hidden"])
    hidden = next(i for i, test in enumerate(capsule.config_data["test_cases"]) if test["is_hidden"])
    # Hide one visible test and show one hidden test, so that both kinds stay (the judge needs one of each).
    tests = with_test(capsule, visible, is_hidden=True)
    tests[hidden]["is_hidden"] = False
    capsule = corrected(capsule, config_data={"test_cases": tests})

    assert capsule.status == "validated"
    assert set(CreatorEdit.objects.values_list("edit_type", flat=True)) == {EditType.VISIBILITY}
    assert net(capsule) == {
        f"config_data.test_cases[{visible}].is_hidden": (False, True, EditType.VISIBILITY),
        f"config_data.test_cases[{hidden}].is_hidden": (True, False, EditType.VISIBILITY),
    }
    by_type = feedback_insights(user=owner, days=7)["by_edit_type"]
    assert [(row["key"], row["label"], row["count"]) for row in by_type] == [("visibility", "Test visibility", 2)]


def test_a_correction_keeps_its_time_when_a_later_save_leaves_it_as_it_was(owner):
    capsule = corrected(generated_capsule(owner), title="Find the maximum")
    earlier = timezone.now() - timedelta(days=3)
    NetCorrection.objects.filter(capsule=capsule).update(corrected_at=earlier)

    capsule = corrected(capsule, problem_statement_md="Return the largest number of a non-empty list.")

    times = dict(NetCorrection.objects.filter(capsule=capsule).values_list("field_path", "corrected_at"))
    assert times["title"] == earlier
    assert times["problem_statement_md"] > earlier


def test_a_capsule_no_job_made_has_no_corrections(owner, make_capsule):
    capsule = corrected(make_capsule(owner), title="Find the maximum")

    assert CreatorEdit.objects.filter(capsule=capsule).count() == 1
    assert net(capsule) == {}


def test_the_rebuild_command_recomputes_the_corrections_of_edited_capsules(owner, capsys):
    capsule = corrected(generated_capsule(owner), title="Find the maximum")
    NetCorrection.objects.all().delete()  # as for capsules edited before net corrections existed

    call_command("rebuild_net_corrections")

    assert set(net(capsule)) == {"title"}
    assert "1 capsule(s) refreshed with 1 correction(s)" in capsys.readouterr().out


# --- Against real generation jobs: the AI output compares equal to the capsule the job saved ----------------


@pytest.mark.parametrize(
    ("capsule_type", "language", "prompt"),
    [("CODE", "python", "count words"), ("DATABASE", "sql", "products under budget")],
)
def test_a_generated_capsule_compares_equal_to_its_jobs_output_until_a_person_corrects_it(
    settings, monkeypatch, owner, django_capture_on_commit_callbacks, capsule_type, language, prompt
):
    settings.LLM_PROVIDER = "catalog"
    monkeypatch.setattr(Conf, "SYNC", True)
    with django_capture_on_commit_callbacks(execute=True):
        job = generation_job_create(creator=owner, capsule_type=capsule_type, language=language, difficulty="easy", prompt=prompt)
    job.refresh_from_db()
    if job.status != JobStatus.SUCCEEDED:
        pytest.skip(f"the offline catalog made no capsule here: {job.error}")
    capsule = job.result_capsule

    assert ai_output(job_drafts(job)) == capsule_content(capsule)  # a DATABASE capsule's seed SQL too, inline on both sides
    data = capsule_base_dict(capsule, include_seed_sql=True)
    capsule = capsule_update(capsule=capsule, actor=owner, data={**data, "title": "Corrected"}, source="dashboard")
    assert set(net(capsule)) == {"title"}
    capsule = capsule_update(capsule=capsule, actor=owner, data={**data, "title": data["title"]}, source="dashboard")
    assert net(capsule) == {}
