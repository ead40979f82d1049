"""Hostile JSON bodies on every endpoint that reads one: nesting a thousand deep, NaN, Infinity,
1e400 and lone surrogates are a 400 `parse_error` in the one error shape, naming the offending value's field path;
never a 500.

Every DRF view parses with codecapsule.parsers.StrictJSONParser (the default parser); the learner events endpoint,
a plain Django view, reads its body with the same loader."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from rest_framework.test import APIClient
from rest_framework.views import APIView

from capsules.models import Capsule
from capsules.tests.samples import capsule_data
from codecapsule.parsers import StrictJSONParser
from playlists.models import LearnerEvent, Playlist
from playlists.services import playlist_create

pytestmark = pytest.mark.django_db

TOLERANCE_PATH = "config_data.test_cases[0].tolerance"
NON_FINITE = ["1e400", "-1e400", "1E+400", "NaN", "Infinity", "-Infinity", "1" + "0" * 400]


def depth_limit() -> int:
    return settings.JSON_MAX_DEPTH


def too_deep() -> str:
    return "[" * 1000 + "]" * 1000


def at_the_limit() -> str:
    """An object nested exactly JSON_MAX_DEPTH levels deep: `{"title": [[...]]}`."""
    inner = depth_limit() - 1
    return '{"title": ' + "[" * inner + "]" * inner + "}"


def with_tolerance(literal: str) -> str:
    """A capsule-shaped body whose first test case's tolerance is `literal`, as written (json.dumps would refuse
    to write NaN as JSON, and writes no 1e400 at all)."""
    body = capsule_data("CODE")
    body["config_data"]["test_cases"][0]["tolerance"] = "LITERAL"
    return json.dumps(body).replace('"LITERAL"', literal)


def unjudged_capsule(creator: User, **fields: Any) -> Capsule:
    """A capsule saved without the judge: these requests are refused before the judge could run."""
    data = capsule_data("CODE")
    return Capsule.objects.create(
        creator=creator, title=data["title"], capsule_type="CODE", problem_statement_md=data["problem_statement_md"],
        language="python", runtime_tier="sandbox-python", difficulty="easy", config_data=data["config_data"], **fields,
    )  # fmt: skip


Send = Callable[[str], Any]


@pytest.fixture(
    params=["auth token", "capsule create", "capsule update", "capsule patch", "playlist create", "playlist update",
            "feedback edit", "generate and validate", "attempts"]
)  # fmt: skip
def send(request, owner, owner_api) -> Send:
    """A function posting a raw JSON body to one endpoint, as a client allowed to use it."""
    name = request.param
    anonymous = APIClient()
    if name == "auth token":
        client, method, url = anonymous, "post", "/api/auth/token/"
    elif name in ("capsule update", "capsule patch"):
        capsule = unjudged_capsule(owner)
        client, method, url = owner_api, "put" if name == "capsule update" else "patch", f"/api/capsules/{capsule.pk}"
    elif name == "playlist update":
        playlist = playlist_create(creator=owner, title="A course", items=[])
        client, method, url = owner_api, "patch", f"/api/playlists/{playlist.pk}"
    elif name == "attempts":
        capsule = unjudged_capsule(owner, status="published", is_public=True)
        client, method, url = anonymous, "post", f"/api/capsules/{capsule.pk}/attempts"
    else:
        url = {
            "capsule create": "/api/capsules/",
            "playlist create": "/api/playlists/",
            "feedback edit": "/api/feedback/edit",
            "generate and validate": "/api/generate-and-validate",
        }[name]
        client, method = owner_api, "post"
    return lambda raw: getattr(client, method)(url, data=raw, content_type="application/json")


def api_views(patterns=None) -> list[type[APIView]]:
    """Every DRF view class routed anywhere in the site."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            found += api_views(pattern.url_patterns)
        elif isinstance(view := getattr(pattern.callback, "cls", None), type) and issubclass(view, APIView):
            found.append(view)
    return found


def test_every_api_view_parses_json_with_the_strict_parser():
    # A view declaring its own parser_classes (DRF's ObtainAuthToken does: form, multipart, plain JSON) would
    # bypass the strict loader.
    views = api_views()

    assert len(views) > 10
    assert {view.__name__: view.parser_classes for view in views if view.parser_classes != [StrictJSONParser]} == {}


def parse_error(response) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "parse_error"
    return body["error"]


def test_a_body_nested_deeper_than_the_limit_is_a_400_with_the_error_shape(send):
    error = parse_error(send(too_deep()))

    limit = depth_limit()
    path = "[0]" * limit  # the first array too deep is the item at this path
    assert error["fields"] == {path: f"nested deeper than {limit} levels (line 1, column {limit + 1})"}
    assert error["message"] == f"Invalid JSON: {path}: nested deeper than {limit} levels (line 1, column {limit + 1})"


@pytest.mark.parametrize("literal", NON_FINITE)
def test_a_non_finite_number_is_a_400_naming_its_field_path(send, literal):
    error = parse_error(send(with_tolerance(literal)))

    assert list(error["fields"]) == [TOLERANCE_PATH]
    assert "must be finite" in error["fields"][TOLERANCE_PATH]
    assert error["message"].startswith(f"Invalid JSON: {TOLERANCE_PATH}: ")


def test_an_escaped_lone_surrogate_is_a_400_naming_its_field_path(send):
    # Python's json turns it into a string that cannot be encoded: a playlist titled so was a 500 when saved
    error = parse_error(send('{"title": "a\\udc80", "items": []}'))

    assert error["fields"] == {"title": "\\udc80 is not allowed: a lone surrogate is not Unicode text"}


def test_a_body_exactly_at_the_depth_limit_still_parses(send):
    response = send(at_the_limit())

    # read, then refused or accepted by the view itself: never a parse error, never a 500
    assert response.status_code < 500
    assert response.json().get("error", {}).get("code") != "parse_error"


def test_a_malformed_body_still_says_where(send):
    error = parse_error(send('{"title": "x",\n "oops"}'))

    assert error["message"] == "Invalid JSON: Expecting ':' delimiter (line 2, column 8)"
    assert error["fields"] == {}


def test_a_body_that_is_not_utf8_is_a_parse_error(send):
    error = parse_error(send(b'{"title": "caf\xe9"}'))

    assert "not utf-8 text" in error["message"]


def test_nothing_is_saved_when_a_capsule_body_is_refused(owner_api):
    parse_error(owner_api.post("/api/capsules/", data=with_tolerance("1e400"), content_type="application/json"))

    assert not Capsule.objects.exists()


def test_a_form_encoded_body_is_still_an_unsupported_media_type(owner_api):
    response = owner_api.post("/api/playlists/", {"title": "x"}, format="multipart")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_a_body_over_djangos_upload_limit_is_a_413_in_the_error_shape(owner_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = owner_api.post("/api/playlists/", data=json.dumps({"title": "x" * 1000}), content_type="application/json")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


# --- The learner events endpoint (a plain Django view, with the same loader) -------------------------------------


@pytest.fixture
def course(owner) -> Playlist:
    capsule = unjudged_capsule(owner, status="published", is_public=True)
    return playlist_create(creator=owner, title="A course", is_public=True, items=[{"capsule_id": str(capsule.pk)}])


@pytest.fixture
def learner(course) -> Client:
    """A learner's browser: opening the embed gives it its learner key (a cookie, from the state the frame asks for)."""
    client = Client()
    assert client.get(reverse("playlists:embed_playlist", args=[course.pk])).status_code == 200
    assert client.get(reverse("playlists:embed_playlist_state", args=[course.pk])).status_code == 200
    return client


def post_event(client: Client, course: Playlist, raw: str | bytes):
    return client.post(reverse("playlists:embed_events", args=[course.pk]), data=raw, content_type="application/json")


def test_the_learner_in_these_tests_can_post_an_event(learner, course):
    assert post_event(learner, course, '{"verb": "viewed", "step": 1}').status_code == 200


# 1,000 `[` (unclosed) fit under the endpoint's 1 KB body limit, and crashed json's recursive parser before.
@pytest.mark.parametrize("raw", ["[" * 1000, '{"verb": "viewed", "step": 1e400}', '{"verb": "viewed", "step": NaN}'])
def test_a_hostile_event_body_is_a_400_and_records_nothing(learner, course, raw):
    response = post_event(learner, course, raw)

    assert response.status_code == 400
    assert "The body must be JSON" in response.json()["error"]
    assert not LearnerEvent.objects.exists()


def test_an_event_body_that_says_where_it_is_wrong(learner, course):
    response = post_event(learner, course, '{"verb": "viewed", "step": -Infinity}')

    assert "step: -Infinity is not allowed" in response.json()["error"]
