"""Moderation a creator can follow: reject and flag need a reason, stored with the audit record and on the
capsule in one transaction, shown to the capsule's creator only; a private capsule is never published."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from capsules.models import Capsule, CapsuleStatus, ModerationAction
from capsules.services import capsule_moderate
from codecapsule.errors import ApplicationError, ValidationFailed

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:capsules_capsule_changelist")
REASON = "The hidden tests accept any answer"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The service -----------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["reject", "flag"])
@pytest.mark.parametrize("note", ["", "   \n "])
def test_reject_and_flag_refuse_a_missing_reason_and_change_nothing(owner, staff, make_capsule, action, note):
    capsule = make_capsule(owner, status=CapsuleStatus.PUBLISHED, is_public=True)

    with pytest.raises(ValidationFailed, match="Give a reason") as caught:
        capsule_moderate(capsule=capsule, actor=staff, action=action, note=note)

    assert caught.value.fields == {"note": "Give a reason: the creator sees it on their capsule."}
    capsule.refresh_from_db()
    assert capsule.status == CapsuleStatus.PUBLISHED
    assert not ModerationAction.objects.exists()


def test_a_reason_that_is_too_long_is_refused(owner, staff, make_capsule):
    capsule = make_capsule(owner)

    with pytest.raises(ValidationFailed, match="under 2000 characters"):
        capsule_moderate(capsule=capsule, actor=staff, action="flag", note="x" * 2001)


def test_the_reason_is_stored_with_the_record_and_on_the_capsule(owner, staff, make_capsule):
    capsule = make_capsule(owner, status=CapsuleStatus.PUBLISHED, is_public=True)

    record = capsule_moderate(capsule=capsule, actor=staff, action="flag", note=f"  {REASON}  ")

    stored = Capsule.objects.get(pk=capsule.pk)
    assert record.note == REASON
    assert (stored.status, stored.moderation_reason, stored.moderated_at) == ("flagged", REASON, record.created_at)
    assert (capsule.status, capsule.moderation_reason) == ("flagged", REASON)  # the caller's object follows


def test_returning_a_capsule_to_draft_clears_the_reason_but_keeps_the_history(owner, staff, make_capsule):
    capsule = make_capsule(owner, status=CapsuleStatus.PUBLISHED, is_public=True)
    capsule_moderate(capsule=capsule, actor=staff, action="reject", note=REASON)

    capsule_moderate(capsule=capsule, actor=staff, action="draft")

    capsule.refresh_from_db()
    assert (capsule.status, capsule.moderation_reason) == ("draft", "")
    assert list(ModerationAction.objects.order_by("created_at", "pk").values_list("action", "note")) == [
        ("reject", REASON),
        ("draft", ""),
    ]


def test_status_and_record_are_one_transaction(owner, staff, make_capsule):
    """A failure while the status is saved leaves no audit record behind (and no reason on the capsule)."""
    capsule = make_capsule(owner, status=CapsuleStatus.PUBLISHED, is_public=True)

    with mock.patch.object(Capsule, "save", side_effect=RuntimeError("disk full")), pytest.raises(RuntimeError):
        capsule_moderate(capsule=capsule, actor=staff, action="flag", note=REASON)

    capsule.refresh_from_db()
    assert (capsule.status, capsule.moderation_reason) == ("published", "")
    assert not ModerationAction.objects.exists()


def test_publishing_a_private_capsule_is_refused(owner, staff, make_capsule):
    capsule = make_capsule(owner, status=CapsuleStatus.VALIDATED, is_public=False)

    with pytest.raises(ApplicationError, match="A private capsule cannot be published") as caught:
        capsule_moderate(capsule=capsule, actor=staff, action="publish")

    assert caught.value.code == "private"
    capsule.refresh_from_db()
    assert (capsule.status, capsule.is_public) == ("validated", False)
    assert not ModerationAction.objects.exists()


# --- The admin's actions ---------------------------------------------------------------------------


def test_flag_in_the_admin_first_asks_for_the_reason(owner, staff, make_capsule):
    capsule = make_capsule(owner, status=CapsuleStatus.PUBLISHED, is_public=True, title="Two Sum")

    page = logged_in(staff).post(CHANGELIST, {"action": "flag", "_selected_action": [str(capsule.pk)]})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Reason (the creator sees it on their capsule)" in html
    assert "“Two Sum” by owner (Published)" in html
    assert f'name="_selected_action" value="{capsule.pk}"' in html
    assert 'name="action" value="flag"' in html
    capsule.refresh_from_db()
    assert capsule.status == CapsuleStatus.PUBLISHED  # nothing happens until the reason is given


def test_flag_in_the_admin_with_a_blank_reason_shows_the_error_and_changes_nothing(owner, staff, make_capsule):
    capsule = make_capsule(owner, status=CapsuleStatus.PUBLISHED, is_public=True)

    page = logged_in(staff).post(CHANGELIST, {"action": "flag", "_selected_action": [str(capsule.pk)], "apply": "1", "reason": "  "})

    assert page.status_code == 200
    assert "This field is required." in page.content.decode()
    capsule.refresh_from_db()
    assert capsule.status == CapsuleStatus.PUBLISHED
    assert not ModerationAction.objects.exists()


def test_reject_in_the_admin_with_a_reason_stores_it(owner, staff, make_capsule):
    capsules = [make_capsule(owner, title=f"Capsule {n}") for n in range(2)]

    response = logged_in(staff).post(
        CHANGELIST,
        {"action": "reject", "_selected_action": [str(c.pk) for c in capsules], "apply": "1", "reason": REASON},
        follow=True,
    )

    assert [str(m) for m in get_messages(response.wsgi_request)] == ["2 capsules rejected."]
    assert set(Capsule.objects.values_list("status", "moderation_reason")) == {("rejected", REASON)}
    assert list(ModerationAction.objects.values_list("note", flat=True)) == [REASON, REASON]


def test_publish_in_the_admin_names_the_private_capsule_it_refused(owner, staff, make_capsule):
    public = make_capsule(owner, status=CapsuleStatus.VALIDATED, is_public=True, title="Public one")
    private = make_capsule(owner, status=CapsuleStatus.VALIDATED, is_public=False, title="Kept private")

    response = logged_in(staff).post(CHANGELIST, {"action": "publish", "_selected_action": [str(public.pk), str(private.pk)]}, follow=True)

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 capsule published; 1 refused — “Kept private”: A private capsule cannot be published: only its creator can make it public."
    ]
    private.refresh_from_db()
    assert private.status == CapsuleStatus.VALIDATED


# --- What the creator sees, and nobody else ------------------------------------------------------


@pytest.fixture
def flagged(owner, staff, make_capsule) -> Capsule:
    capsule = make_capsule(owner, status=CapsuleStatus.PUBLISHED, is_public=True, title="Two Sum")
    capsule_moderate(capsule=capsule, actor=staff, action="flag", note=REASON)
    capsule.refresh_from_db()
    return capsule


def test_the_owner_reads_the_reason_and_date_on_their_capsule_page(owner, flagged):
    html = logged_in(owner).get(reverse("capsules:detail", args=[flagged.pk])).content.decode()

    when = timezone.localtime(flagged.moderated_at)
    assert "data-moderation-notice" in html
    assert f'Flagged by moderation on <time datetime="{when.isoformat()}">{when:%-d %b %Y}</time>: {REASON}' in html


def test_the_owner_reads_the_reason_in_their_capsule_list(owner, flagged, make_capsule):
    make_capsule(owner, title="Fine one")

    html = logged_in(owner).get(reverse("capsules:list")).content.decode()

    assert html.count("data-moderation-reason") == 1
    assert "Flagged by moderation on" in html and f": {REASON}</span>" in html


def test_the_reason_reaches_no_other_creator_and_no_learner(other_creator, flagged):
    detail = reverse("capsules:detail", args=[flagged.pk])

    for client in (logged_in(other_creator), Client()):
        response = client.get(detail)
        assert response.status_code in (302, 404)  # hidden: not found, or the login page for a stranger
        assert REASON not in response.content.decode()
        api = client.get(f"/api/capsules/{flagged.pk}")
        assert REASON not in api.content.decode()


def test_a_capsule_published_while_private_says_so_to_its_owner(owner, make_capsule):
    """A creator who makes a published capsule private keeps it published: the page says what that means."""
    capsule = make_capsule(owner, status=CapsuleStatus.PUBLISHED, is_public=False)

    detail = logged_in(owner).get(reverse("capsules:detail", args=[capsule.pk])).content.decode()
    listing = logged_in(owner).get(reverse("capsules:list")).content.decode()

    assert "Only your own courses show it: make it public to list it for everyone" in detail
    assert "only in your own courses" in listing


def test_the_list_fragment_htmx_fetches_shows_the_reason_escaped(owner, staff, make_capsule):
    capsule = make_capsule(owner, status=CapsuleStatus.PUBLISHED, is_public=True)
    capsule_moderate(capsule=capsule, actor=staff, action="reject", note="Uses <script> tags")

    html = logged_in(owner).get(reverse("capsules:list"), HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in html  # the results fragment only
    assert "Rejected by moderation on" in html and "Uses &lt;script&gt; tags" in html
