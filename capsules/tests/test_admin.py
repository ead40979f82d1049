"""Admin moderation: staff only, actions recorded with who and when, every write through the services."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from capsules.models import Capsule, CapsuleStatus, ModerationAction
from capsules.services import capsule_moderate
from capsules.tests.samples import capsule_data

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:capsules_capsule_changelist")
ADD = reverse("admin:capsules_capsule_add")


def change_url(capsule: Capsule) -> str:
    return reverse("admin:capsules_capsule_change", args=[capsule.pk])


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def run_action(client: Client, action: str, capsules: list[Capsule], **extra: str) -> Any:
    """Post an action; reject and flag get a reason from their intermediate page unless `reason` is given."""
    if action in ("reject", "flag"):
        extra = {"apply": "1", "reason": "Copied from a textbook", **extra}
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [str(c.pk) for c in capsules], **extra}, follow=True
    )


def form_body(data: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A POST body for the change form, from a capsule in the API shape."""
    body = {
        "title": data["title"],
        "capsule_type": data["capsule_type"],
        "language": data["runtime_config"]["language"],
        "runtime_tier": data["runtime_config"].get("runtime_tier") or "",
        "difficulty": data["difficulty"],
        "problem_statement_md": data["problem_statement_md"],
        "config_data": json.dumps(data["config_data"]),
        # the read-only moderation history inline still posts its management form
        "moderation_actions-TOTAL_FORMS": "0",
        "moderation_actions-INITIAL_FORMS": "0",
        "moderation_actions-MIN_NUM_FORMS": "0",
        "moderation_actions-MAX_NUM_FORMS": "0",
    }
    if data.get("is_public"):
        body["is_public"] = "on"
    body.update(overrides)
    return body


# --- Access --------------------------------------------------------------------------------------


def test_a_creator_who_is_not_staff_is_redirected_to_the_admin_login(owner, make_capsule):
    capsule = make_capsule(owner)
    client = Client()
    client.force_login(owner)

    for url in (CHANGELIST, change_url(capsule)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_an_anonymous_visitor_is_redirected_to_the_admin_login(db):
    response = Client().get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_non_staff_user_cannot_run_a_moderation_action(owner, make_capsule):
    capsule = make_capsule(owner, status=CapsuleStatus.VALIDATED)
    client = Client()
    client.force_login(owner)

    client.post(CHANGELIST, {"action": "publish", "_selected_action": [str(capsule.pk)]})

    assert Capsule.objects.get(pk=capsule.pk).status == CapsuleStatus.VALIDATED
    assert not ModerationAction.objects.exists()


# --- Changelist ----------------------------------------------------------------------------------


def test_the_changelist_shows_capsules_and_filters_and_searches_them(staff_client, owner, other_creator, make_capsule):
    make_capsule(owner, "CODE", title="Owner's Python", status=CapsuleStatus.DRAFT)
    make_capsule(other_creator, "DATABASE", title="Other's SQL", status=CapsuleStatus.VALIDATED)

    everything = staff_client.get(CHANGELIST)
    by_type = staff_client.get(CHANGELIST, {"capsule_type__exact": "DATABASE"})
    by_creator_name = staff_client.get(CHANGELIST, {"q": "other"})
    by_title = staff_client.get(CHANGELIST, {"q": "python"})
    by_status = staff_client.get(CHANGELIST, {"status__exact": "validated"})
    combined = staff_client.get(
        CHANGELIST, {"language__exact": "python", "status__exact": "draft", "difficulty__exact": "easy", "creator__id__exact": owner.pk}
    )

    assert everything.status_code == 200
    assert [c.title for c in everything.context["cl"].result_list] == ["Other's SQL", "Owner's Python"]
    assert [c.title for c in by_type.context["cl"].result_list] == ["Other's SQL"]
    assert [c.title for c in by_creator_name.context["cl"].result_list] == ["Other's SQL"]
    assert [c.title for c in by_title.context["cl"].result_list] == ["Owner's Python"]
    assert [c.title for c in by_status.context["cl"].result_list] == ["Other's SQL"]
    assert [c.title for c in combined.context["cl"].result_list] == ["Owner's Python"]


# --- Moderation actions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "start", "target", "message"),
    [
        ("publish", CapsuleStatus.VALIDATED, CapsuleStatus.PUBLISHED, "2 capsules published."),
        ("reject", CapsuleStatus.DRAFT, CapsuleStatus.REJECTED, "2 capsules rejected."),
        ("flag", CapsuleStatus.PUBLISHED, CapsuleStatus.FLAGGED, "2 capsules flagged."),
        ("back_to_draft", CapsuleStatus.FLAGGED, CapsuleStatus.DRAFT, "2 capsules sent back to draft."),
    ],
)
def test_each_moderation_action_changes_the_status_and_records_who_and_when(
    staff_client, staff, owner, make_capsule, action, start, target, message
):
    capsules = [make_capsule(owner, status=start, title=f"Capsule {n}", is_public=True) for n in range(2)]
    untouched = make_capsule(owner, status=start, title="Not selected", is_public=True)
    before = timezone.now()

    response = run_action(staff_client, action, capsules)

    assert [str(m) for m in get_messages(response.wsgi_request)] == [message]
    for capsule in capsules:
        capsule.refresh_from_db()
        assert capsule.status == target
        record = ModerationAction.objects.get(capsule=capsule)
        assert record.actor == staff
        assert (record.from_status, record.to_status) == (start, target)
        assert before <= record.created_at <= timezone.now()
    untouched.refresh_from_db()
    assert untouched.status == start


def test_an_action_reports_capsules_that_already_had_the_status_and_records_nothing_for_them(
    staff_client, owner, make_capsule
):
    validated = make_capsule(owner, status=CapsuleStatus.VALIDATED, title="Validated", is_public=True)
    published = make_capsule(owner, status="published", title="Already out", is_public=True)

    response = run_action(staff_client, "publish", [validated, published])

    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 capsule published; 1 was already published."]
    assert list(ModerationAction.objects.values_list("capsule__title", flat=True)) == ["Validated"]


def test_publishing_refuses_a_capsule_that_did_not_pass_the_judge(staff_client, owner, make_capsule):
    good = make_capsule(owner, title="Proven", is_public=True)
    wrong_reference = {**capsule_data()["config_data"], "reference_solution": "def find_largest(numbers):\n    return 0\n"}
    broken = make_capsule(owner, title="Broken", config_data=wrong_reference)
    assert broken.status == CapsuleStatus.DRAFT

    response = run_action(staff_client, "publish", [good, broken])

    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("1 capsule published; 1 refused — “Broken”: Only a capsule that passed the judge can be published")
    broken.refresh_from_db()
    assert broken.status == CapsuleStatus.DRAFT
    assert not ModerationAction.objects.filter(capsule=broken).exists()


# --- Change form: read-only previews and history -------------------------------------------------


def test_the_change_page_shows_the_rendered_statement_the_report_and_the_moderation_history(
    staff_client, staff, owner, make_capsule
):
    capsule = make_capsule(
        owner,
        problem_statement_md="Use **max**.\n\n<script>alert('x')</script>\n\n[bad](javascript:alert(1))",
        status=CapsuleStatus.DRAFT,
    )
    Capsule.objects.filter(pk=capsule.pk).update(validation_report={"passed": True, "tests": [{"verdict": "AC"}]})
    capsule_moderate(capsule=capsule, actor=staff, action="flag", note="Looks copied from a textbook")

    page = staff_client.get(change_url(capsule)).content.decode()

    assert "<strong>max</strong>" in page
    assert "<script>alert" not in page
    assert "<p>&lt;script&gt;alert" in page  # the statement's raw HTML is shown as text, harmless
    assert 'href="javascript' not in page
    assert '<pre>{\n  &quot;passed&quot;: true,' in page
    assert "Draft → Flagged" in page
    assert "Looks copied from a textbook" in page
    assert ">staff<" in page


def test_the_moderation_history_cannot_be_edited_from_the_change_page(staff_client, staff, owner, make_capsule):
    capsule = make_capsule(owner, is_public=True)
    capsule_moderate(capsule=capsule, actor=staff, action="publish")

    response = staff_client.get(change_url(capsule))

    inline = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "moderation_actions")
    assert not inline.has_add_permission and not inline.has_change_permission and not inline.has_delete_permission


def test_the_change_page_shows_the_stored_seed_sql_of_a_database_capsule(staff_client, owner, make_capsule):
    capsule = make_capsule(owner, "DATABASE")

    page = staff_client.get(change_url(capsule)).content.decode()

    assert "CREATE TABLE customers" in page


def test_the_change_page_shows_the_stored_hidden_dataset_of_a_database_capsule(staff_client, owner, make_capsule):
    capsule = make_capsule(owner, "DATABASE")

    page = staff_client.get(change_url(capsule)).content.decode()

    assert "Hidden dataset (seed SQL, never shown to learners)" in page
    assert "(3, &#x27;Barbara&#x27;, &#x27;Berlin&#x27;)" in page


# --- Change form: validation through parse_capsule, saving through the services ------------------


def test_the_change_form_shows_config_errors_with_their_field_paths(staff_client, owner, make_capsule):
    capsule = make_capsule(owner)
    data = capsule_data("CODE")
    del data["config_data"]["test_cases"][1]["expected_output"]

    response = staff_client.post(change_url(capsule), form_body(data))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["config_data"] == [
        "config_data.test_cases[1].expected_output: Field required"
    ]
    assert "config_data.test_cases[1].expected_output: Field required" in response.content.decode()
    capsule.refresh_from_db()
    assert capsule.config_data["test_cases"][1]["expected_output"] == "-1\n"


def test_the_change_form_puts_a_language_error_on_the_language_field(staff_client, owner, make_capsule):
    capsule = make_capsule(owner)

    response = staff_client.post(change_url(capsule), form_body(capsule_data("CODE"), language="sql"))

    assert response.context["adminform"].form.errors["language"] == [
        "runtime_config.language: 'sql' is not a CODE language; allowed: python, javascript, java, csharp, go"
    ]


def test_the_change_form_reports_json_that_does_not_parse_once(staff_client, owner, make_capsule):
    capsule = make_capsule(owner)

    response = staff_client.post(change_url(capsule), form_body(capsule_data("CODE"), config_data="{oops"))

    assert response.context["adminform"].form.errors["config_data"] == ["Enter a valid JSON."]


def test_saving_the_change_form_goes_through_capsule_update(staff_client, owner, make_capsule):
    capsule = make_capsule(owner, status="published", is_public=True)
    Capsule.objects.filter(pk=capsule.pk).update(validation_report={"passed": True, "marker": "before the edit"})
    data = capsule_data("CODE", title="Find the biggest number", is_public=True)

    response = staff_client.post(change_url(capsule), form_body(data))

    assert response.status_code == 302
    capsule.refresh_from_db()
    assert capsule.title == "Find the biggest number"
    assert capsule.creator == owner  # the staff member edits, the creator stays
    # capsule_update's rule, which a plain ModelAdmin save would skip: changed content is judged again,
    # and a published capsule whose new content passes stays published.
    assert "marker" not in capsule.validation_report
    assert capsule.validation_report["passed"] is True
    assert capsule.status == CapsuleStatus.PUBLISHED
    assert capsule.runtime_tier == "sandbox-python"  # blank tier: defaulted by parse_capsule


def test_a_change_form_edit_that_fails_the_judge_takes_a_published_capsule_back_to_draft(staff_client, owner, make_capsule):
    capsule = make_capsule(owner, status="published", is_public=True)
    data = capsule_data("CODE", is_public=True)
    data["config_data"]["test_cases"][0]["expected_output"] = "6\n"  # the reference prints 5

    response = staff_client.post(change_url(capsule), form_body(data))

    assert response.status_code == 302
    capsule.refresh_from_db()
    assert capsule.config_data["test_cases"][0]["expected_output"] == "6\n"
    assert capsule.status == CapsuleStatus.DRAFT  # what learners see must be what was proven
    assert capsule.validation_report["passed"] is False
    assert capsule.validation_report["category"] == "wrong_output"


def test_saving_an_unchanged_form_keeps_the_published_status(staff_client, owner, make_capsule):
    capsule = make_capsule(owner, status="published", is_public=True)

    staff_client.post(change_url(capsule), form_body(capsule_data("CODE", is_public=True)))

    capsule.refresh_from_db()
    assert capsule.status == CapsuleStatus.PUBLISHED


def test_the_add_form_creates_through_capsule_create_and_stores_the_seed_sql(staff_client, staff):
    assert staff_client.get(ADD).status_code == 200

    response = staff_client.post(ADD, form_body(capsule_data("DATABASE")))

    assert response.status_code == 302
    capsule = Capsule.objects.get()
    assert capsule.creator == staff
    assert capsule.status == CapsuleStatus.VALIDATED  # capsule_create judged it, and it passes
    assert capsule.validation_report["passed"] is True
    assert capsule.validation_report["expected_result"]["rows"] == [["Ada"], ["Grace"]]
    assert "seed_sql" not in capsule.config_data  # capsule_create moved it into storage
    assert capsule.config_data["seed_sql_url"].endswith(".sql")
    assert "hidden_seed_sql" not in capsule.config_data and capsule.config_data["hidden_seed_sql_url"].endswith(".sql")
    assert response["Location"] == reverse("admin:capsules_capsule_changelist")


def test_the_add_form_saves_a_capsule_that_fails_the_judge_as_a_draft_with_its_report(staff_client, staff):
    data = capsule_data("DATABASE")
    data["config_data"]["reference_solution"] = "SELECT name FROM customers WHERE city = 'Paris';"

    response = staff_client.post(ADD, form_body(data))

    assert response.status_code == 302
    capsule = Capsule.objects.get()
    assert capsule.status == CapsuleStatus.DRAFT
    assert capsule.validation_report["category"] == "empty_result"


def test_the_status_cannot_be_set_from_the_form(staff_client, owner, make_capsule):
    capsule = make_capsule(owner)

    staff_client.post(change_url(capsule), form_body(capsule_data("CODE"), status="published"))

    capsule.refresh_from_db()
    assert capsule.status == CapsuleStatus.VALIDATED  # what the judge gave it, not what the form said
    assert not ModerationAction.objects.exists()


def test_deleting_in_the_admin_removes_the_capsule(staff_client, owner, make_capsule):
    capsule = make_capsule(owner)

    response = staff_client.post(reverse("admin:capsules_capsule_delete", args=[capsule.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Capsule.objects.filter(pk=capsule.pk).exists()


def test_the_moderation_audit_trail_is_read_only(staff_client, staff, owner, make_capsule):
    capsule = make_capsule(owner)
    record = capsule_moderate(capsule=capsule, actor=staff, action="reject", note="Not an exercise")

    listing = staff_client.get(reverse("admin:capsules_moderationaction_changelist"))
    add = staff_client.get(reverse("admin:capsules_moderationaction_add"))
    delete = staff_client.post(reverse("admin:capsules_moderationaction_delete", args=[record.pk]), {"post": "yes"})

    assert listing.status_code == 200 and capsule.title in listing.content.decode()
    assert add.status_code == 403
    assert delete.status_code == 403
    assert ModerationAction.objects.filter(pk=record.pk).exists()
    assert record.created_at > timezone.now() - timedelta(minutes=1)
