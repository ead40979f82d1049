"""One list of error codes: every code the services raise is an ErrorCode, and the README documents each."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from rest_framework import exceptions as drf_exceptions

import codecapsule.admission
import feedback.finetune.services
import generation.services
import judges.api
import judges.workspace
import playlists.services
from codecapsule.errors import ApplicationError, ErrorCode

# The modules that declare ApplicationError subclasses, imported so that __subclasses__ sees them.
DECLARING = (codecapsule.admission, feedback.finetune.services, generation.services, judges.api, judges.workspace, playlists.services)

README = Path(settings.BASE_DIR, "README.md").read_text()


def every_subclass(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *every_subclass(direct))]


def test_every_application_error_answers_with_a_listed_code():
    classes = [ApplicationError, *every_subclass(ApplicationError)]

    assert len(classes) >= 12
    assert {cls.__name__: cls.code for cls in classes if cls.code not in set(ErrorCode)} == {}


def test_the_codes_drf_answers_with_are_listed():
    passed_through = [drf_exceptions.NotAuthenticated, drf_exceptions.AuthenticationFailed, drf_exceptions.PermissionDenied,
                      drf_exceptions.NotFound, drf_exceptions.MethodNotAllowed, drf_exceptions.UnsupportedMediaType,
                      drf_exceptions.Throttled]  # fmt: skip

    assert [exc.default_code for exc in passed_through if exc.default_code not in set(ErrorCode)] == []


def test_the_readme_documents_every_code():
    assert [code.value for code in ErrorCode if f"`{code.value}`" not in README] == []
