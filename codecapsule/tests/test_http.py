"""The page views' shared answers: a page or its htmx fragment, and a service's errors placed on a form."""

from __future__ import annotations

from django import forms
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from codecapsule.errors import ApplicationError, ValidationFailed
from codecapsule.http import ServiceErrorsForm, render_page_or_fragment, wants_fragment


def request(**headers: str):
    made = RequestFactory().get("/", headers=headers)
    made.htmx = HtmxDetails(made)  # type: ignore[attr-defined]  # as django-htmx's middleware does
    return made


def test_an_htmx_request_wants_a_fragment_but_not_a_history_restore_or_a_plain_load():
    assert wants_fragment(request(HX_Request="true"))
    assert not wants_fragment(request(HX_Request="true", HX_History_Restore_Request="true"))
    assert not wants_fragment(request())


def test_the_page_or_its_fragment_varies_on_hx_request():
    page = render_page_or_fragment(request(), "403.html", "nothing", {}, status=403)
    assert page.status_code == 403 and "HX-Request" in page["Vary"]
    assert b"<html" in page.content


class TitleForm(ServiceErrorsForm):
    title = forms.CharField(required=False)


def test_a_service_error_lands_on_the_field_its_path_names_and_the_rest_on_top():
    form = TitleForm(data={})
    form.is_valid()

    form.add_service_error(ValidationFailed.for_fields({"title": "Too long", "items[3]": "Unknown capsule"}))

    assert form.errors["title"] == ["Too long"]
    assert form.non_field_errors() == ["items[3]: Unknown capsule"]


def test_an_error_without_fields_is_said_on_top_as_it_is():
    form = TitleForm(data={})
    form.is_valid()

    form.add_service_error(ApplicationError("The judge is busy: try again in a minute."))

    assert form.non_field_errors() == ["The judge is busy: try again in a minute."]
