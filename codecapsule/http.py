"""What every server-rendered page view shares: the request and user types, the htmx page-or-fragment answer,
and the one way a service's error lands on a form.

* `HtmxHttpRequest` is the request type page views are annotated with: django-htmx's middleware sets
  `request.htmx`, and django-htmx does not ship the annotated request class itself (its docs suggest this one).
* An htmx request gets one `{% partialdef %}` fragment of the page's own template, never a second template that
  could drift from the page; htmx's history restore gets the whole page; `Vary: HX-Request` keeps a cache from
  serving one for the other.
* Services raise ApplicationError with `fields` (a field path → message). ServiceErrorsForm puts each message
  where its path points — a field, a table row, a playlist step — and says the rest at the top of the form, so
  no path is ever lost; each form only says where its paths go.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails

from codecapsule.errors import ApplicationError

# Who a selector or service reads for: a signed-in user, or nobody (a learner in an embed, a visitor).
User = AbstractBaseUser | AnonymousUser

# The path of a service error that belongs to no field (ApplicationError without `fields`).
NON_FIELD_PATH = "__all__"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


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
