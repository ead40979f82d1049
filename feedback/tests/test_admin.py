"""Creator edits in the admin: listed with filters, read-only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from capsules.hooks import EditPath
from capsules.services import capsule_update
from capsules.tests.samples import capsule_data
from feedback.models import CreatorEdit, EditType, NetCorrection
from feedback.tests.edits import make_correction

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:feedback_creatoredit_changelist")


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def edits(owner, make_capsule) -> list[CreatorEdit]:
    """A title rewrite of a CODE capsule (source api) and a schema change of a DATABASE one (source import)."""
    code = make_capsule(owner, "CODE")
    capsule_update(capsule=code, actor=owner, data=capsule_data("CODE", title="Find the maximum"))
    database = make_capsule(owner, "DATABASE")
    data = capsule_data("DATABASE")
    data["config_data"]["schema_info"][0]["columns"][2] = "city (VARCHAR)"
    capsule_update(capsule=database, actor=owner, data=data, source=EditPath.IMPORT)
    return list(CreatorEdit.objects.all())


def test_the_list_shows_every_edit_with_its_values(staff_client, edits):
    page = staff_client.get(CHANGELIST).content.decode()

    assert "Find the maximum" in page and "Find the largest number" in page
    assert "config_data.schema_info[0].columns[2]" in page


@pytest.mark.parametrize(
    ("filters", "paths"),
    [
        ({"edit_type__exact": "statement_rewrite"}, {"title"}),
        ({"source__exact": "import"}, {"config_data.schema_info[0].columns[2]"}),
        ({"capsule_type__exact": "DATABASE"}, {"config_data.schema_info[0].columns[2]"}),
    ],
)
def test_the_list_filters_by_edit_type_source_and_capsule_type(staff_client, edits, filters, paths):
    response = staff_client.get(CHANGELIST, filters)

    assert response.status_code == 200
    assert {edit.field_path for edit in response.context["cl"].result_list} == paths


def test_an_edit_can_be_viewed_but_not_changed_added_or_deleted(staff_client, edits):
    edit = edits[0]
    url = reverse("admin:feedback_creatoredit_change", args=[edit.pk])

    response = staff_client.get(url)
    assert response.status_code == 200
    assert edit.field_path in response.content.decode()
    assert staff_client.post(url, {"field_path": "title", "edit_type": "other"}).status_code == 403
    assert staff_client.get(reverse("admin:feedback_creatoredit_add")).status_code == 403
    assert staff_client.post(reverse("admin:feedback_creatoredit_delete", args=[edit.pk]), {"post": "yes"}).status_code == 403
    assert CreatorEdit.objects.get(pk=edit.pk).edit_type == edit.edit_type


def test_a_creator_who_is_not_staff_is_sent_to_the_admin_login(client, owner, edits):
    client.force_login(owner)

    response = client.get(CHANGELIST)

    assert response.status_code == 302 and reverse("admin:login") in response.url


def test_staff_see_fine_tuning_jobs_read_only(staff):
    from django.test import Client

    from feedback.models import FineTuneJob

    job = FineTuneJob.objects.create(
        provider="openai", provider_job_id="ftjob-admin", training_file_id="file-1", base_model="base", status="running", examples=12
    )
    client = Client()
    client.force_login(staff)

    assert client.get("/admin/feedback/finetunejob/add/").status_code == 403
    listing = client.get("/admin/feedback/finetunejob/")
    assert listing.status_code == 200 and b"base" in listing.content
    assert client.post(f"/admin/feedback/finetunejob/{job.pk}/change/", {"status": "succeeded"}).status_code == 403
    job.refresh_from_db()
    assert job.status == "running"


# --- Net corrections ----------------------------------------------------------------------------------------


def test_the_edit_type_filters_offer_test_visibility(staff_client, edits):
    for changelist in (CHANGELIST, reverse("admin:feedback_netcorrection_changelist")):
        page = staff_client.get(changelist).content.decode()

        assert "?edit_type__exact=visibility" in page and "Test visibility" in page


def test_net_corrections_are_listed_filtered_by_type_and_read_only(staff_client, owner, make_capsule):
    capsule = make_capsule(owner)
    make_correction(
        capsule, edit_type=EditType.VISIBILITY, field_path="config_data.test_cases[1].is_hidden", original=True, corrected=False
    )
    make_correction(capsule, edit_type=EditType.STATEMENT_REWRITE, field_path="title", original="AI title", corrected="Kept title")
    changelist = reverse("admin:feedback_netcorrection_changelist")

    visibility = staff_client.get(changelist, {"edit_type__exact": "visibility"}).content.decode()
    everything = staff_client.get(changelist).content.decode()

    assert "config_data.test_cases[1].is_hidden" in visibility and "Kept title" not in visibility
    assert "Kept title" in everything
    correction = NetCorrection.objects.get(field_path="title")
    assert staff_client.post(reverse("admin:feedback_netcorrection_delete", args=[correction.pk]), {"post": "yes"}).status_code == 403
    assert NetCorrection.objects.filter(pk=correction.pk).exists()
