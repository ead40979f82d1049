"""What every server-rendered page view shares: the request and user types, the htmx page-or-fragment answer,
and the one way a service's error lands on a form.

* `HtmxHttpRequest` is the request type page views are annotated with: django-htmx's middleware sets
  `request.htmx`, and django-htmx does not ship the annotated request class itself (its docs suggest this one).
* `AuthenticatedHttpRequest` (a `login_required` page) and `AuthenticatedRequest` (an API method that only
  signed-in callers reach: IsAuthenticated, or a write under IsAuthenticatedOrReadOnly) say to the type checker
  what the guard already proved: `request.user` is a `SignedInUser`, the one a service acts for. Where a base
  class fixes the request type (the admin), `signed_in_user(request)` says it instead.
* An htmx request gets one `{% partialdef %}` fragment of the page's own template, never a second template that
  could drift from the page; htmx's history restore gets the whole page; `Vary: HX-Request` keeps a cache from
  serving one for the other.
* Services raise ApplicationError with `fields` (a field path → message). ServiceErrorsForm puts each message
  where its path points — a field, a table row, a playlist step — and says the rest at the top of the form, so
  no path is ever lost; each form only says where its paths go.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as SignedInUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request

from codecapsule.errors import ApplicationError

# `SignedInUser` (imported above) is who a service acts for: AUTH_USER_MODEL is Django's own User.
# Who a selector reads for: a signed-in user, or nobody (a learner in an embed, a visitor).
User = SignedInUser | AnonymousUser

# The path of a service error that belongs to no field (ApplicationError without `fields`).
NON_FIELD_PATH = "__all__"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A page behind `login_required`."""

    user: SignedInUser


class AuthenticatedRequest(Request):
    """An API request that only a signed-in caller gets through its permission classes."""

    user: SignedInUser


def signed_in_user(request: HttpRequest) -> SignedInUser:
    """`request.user` where a guard the type checker cannot see (the admin's staff login) let only users in."""
    return cast(SignedInUser, request.user)


def wants_fragment(request: HtmxHttpRequest) -> bool:
    """An htmx request that swaps part of the page (htmx's history restore needs the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page_or_fragment(
    request: HtmxHttpRequest, template: str, fragment: str, context: Mapping[str, Any], *, status: int = 200
) -> HttpResponse:
    """The whole page, or only its `fragment` partial for an htmx request; varies on HX-Request."""
    name = f"{template}#{fragment}" if wants_fragment(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """`form.fields[name]` as the ChoiceField it is, to set its choices for this form."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField), name
    return field


class ServiceErrorsForm(forms.Form):
    """A form that shows a service's ApplicationError: `add_service_error(exc)`.

    Subclasses say where a path goes by overriding `place_service_error` (rows, steps) or `field_for_path`
    (paths named otherwise than the form's fields), and may reword a message in `friendlier_message`.
    """

    def add_service_error(self, exc: ApplicationError) -> None:
        for path, message in (exc.fields or {NON_FIELD_PATH: exc.message}).items():
            message = self.friendlier_message(path, message)
            if not self.place_service_error(path, message):
                self.add_error(None, message if path == NON_FIELD_PATH else f"{path}: {message}")

    def friendlier_message(self, path: str, message: str) -> str:
        return message

    def place_service_error(self, path: str, message: str) -> bool:
        """Put `message` where `path` points; False when this form has no place for it (it goes on top)."""
        name = self.field_for_path(path)
        if name is None:
            return False
        self.add_error(name, message)
        return True

    def field_for_path(self, path: str) -> str | None:
        return path if path in self.fields else None
