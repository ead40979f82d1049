"""The admin's "Validate now" action: the judge runs again through capsule_validate, for staff only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import constants, get_messages
from django.test import Client
from django.urls import reverse

from capsules.models import Capsule, CapsuleStatus, ModerationAction

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:capsules_capsule_changelist")


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def validate_now(client: Client, capsules: list[Capsule]) -> Any:
    return client.post(
        CHANGELIST, {"action": "validate_now", "_selected_action": [str(c.pk) for c in capsules]}, follow=True
    )


def messages_of(response: Any) -> list[tuple[int, str]]:
    return [(message.level, message.message) for message in get_messages(response.wsgi_request)]


def change_config(capsule: Capsule, **changes: Any) -> None:
    """Change the stored config behind the services' back, keeping the status (as an upgrade might break it)."""
    Capsule.objects.filter(pk=capsule.pk).update(config_data={**capsule.config_data, **changes})


def test_the_action_is_offered_on_the_changelist(staff_client):
    response = staff_client.get(CHANGELIST)
    assert ("validate_now", "Validate now (run the judge again)") in response.context["action_form"].fields["action"].choices


def test_it_judges_each_selected_capsule_saves_reports_and_names_the_failures(staff_client, owner, make_capsule):
    good = make_capsule(owner, "TERMINAL")
    published = make_capsule(owner, "DATABASE", status="published", is_public=True)
    wrong = make_capsule(owner, "CODE", title="Wrong answer")
    change_config(wrong, reference_solution="def find_largest(numbers):\n    return min(numbers)\n")
    bad_query = make_capsule(owner, "DATABASE", title="Bad query")
    change_config(bad_query, reference_solution="SELEC name FROM customers;")
    Capsule.objects.update(validation_report=None)

    response = validate_now(staff_client, [good, published, wrong, bad_query])

    assert response.status_code == 200
    [(level, message)] = messages_of(response)
    assert level == constants.WARNING
    assert message.startswith("2 passed, 2 failed: ")
    assert sorted(message.removeprefix("2 passed, 2 failed: ").removesuffix(".").split(", ")) == [
        "“Bad query” (syntax_error)",
        "“Wrong answer” (wrong_output)",
    ]
    statuses = {c.pk: (c.status, c.validation_report["passed"], c.validation_report["category"]) for c in Capsule.objects.all()}
    assert statuses == {
        good.pk: (CapsuleStatus.VALIDATED, True, None),
        published.pk: (CapsuleStatus.PUBLISHED, True, None),
        wrong.pk: (CapsuleStatus.DRAFT, False, "wrong_output"),
        bad_query.pk: (CapsuleStatus.DRAFT, False, "syntax_error"),
    }
    assert not ModerationAction.objects.exists()  # judging is not a moderation decision


def test_all_passing_is_a_success_message_and_a_draft_that_passes_becomes_validated(staff_client, owner, make_capsule):
    draft = make_capsule(owner, "CODE", status="draft")

    response = validate_now(staff_client, [draft])

    assert messages_of(response) == [(constants.SUCCESS, "1 passed, 0 failed.")]
    draft.refresh_from_db()
    assert draft.status == CapsuleStatus.VALIDATED


def test_passes_with_warnings_are_counted_in_a_warning_message(staff_client, owner, make_capsule):
    # A DATABASE capsule saved before hidden datasets existed: it still passes, graded on its visible data only.
    older = make_capsule(owner, "DATABASE", status="published", is_public=True)
    Capsule.objects.filter(pk=older.pk).update(
        config_data={key: value for key, value in older.config_data.items() if key != "hidden_seed_sql_url"}
    )
    current = make_capsule(owner, "DATABASE")

    response = validate_now(staff_client, [older, current])

    assert messages_of(response) == [(constants.WARNING, "2 passed (1 with warnings), 0 failed.")]
    older.refresh_from_db()
    assert older.status == CapsuleStatus.PUBLISHED and older.validation_report["warnings"]


def test_a_long_list_of_failures_is_cut_after_ten(staff_client, owner, make_capsule):
    capsules = [make_capsule(owner, "CODE", title=f"Broken {i:02}") for i in range(12)]
    for capsule in capsules:
        change_config(capsule, reference_solution="def find_largest(numbers):\n    return min(numbers)\n")

    [(level, message)] = messages_of(validate_now(staff_client, capsules))

    assert level == constants.WARNING
    assert message.startswith("0 passed, 12 failed: ") and message.endswith(", and 2 more.")
    assert message.count("(wrong_output)") == 10


def test_a_non_staff_user_cannot_run_it(owner, make_capsule):
    capsule = make_capsule(owner)
    change_config(capsule, reference_solution="def find_largest(numbers):\n    return min(numbers)\n")
    client = Client()
    client.force_login(owner)

    response = client.post(CHANGELIST, {"action": "validate_now", "_selected_action": [str(capsule.pk)]})

    assert response.status_code == 302 and "/login/" in response["Location"]
    capsule.refresh_from_db()
    assert capsule.status == CapsuleStatus.VALIDATED  # not judged, so not demoted


def test_staff_without_the_change_permission_are_not_offered_it(owner, make_capsule):
    viewer = User.objects.create_user("viewer", "viewer@example.com", "viewer-pass-123", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_capsule"))
    capsule = make_capsule(owner)
    change_config(capsule, reference_solution="def find_largest(numbers):\n    return min(numbers)\n")
    client = Client()
    client.force_login(viewer)

    response = client.get(CHANGELIST)
    assert response.status_code == 200
    action_form = response.context["action_form"]  # None when the user may run no action at all
    assert action_form is None or "validate_now" not in dict(action_form.fields["action"].choices)
    client.post(CHANGELIST, {"action": "validate_now", "_selected_action": [str(capsule.pk)]})
    capsule.refresh_from_db()
    assert capsule.status == CapsuleStatus.VALIDATED
