"""The hostile learner's world: published public capsules in a public course, an anonymous learner with a key the
server issued, and the three ways such a learner reaches the judge — the embed's Run and Submit (htmx), and the
attempts API.

Every capsule carries markers a learner must never see: in its hidden tests' calls and expected outputs, in their
descriptions, in its reference solution (and for DATABASE capsules in the hidden dataset, for TERMINAL capsules in
the validation scripts). `leaks(text)` names the markers found in an answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from capsules.models import Capsule
from playlists.models import Playlist
from playlists.services import playlist_create
from playlists.views._embed_common import learner_token

LEARNER = learner_token("hostile-learner-0123456789abcdef")
# What no answer to a learner may ever contain (compared case-insensitively).
SECRET_MARKERS = ("zebra-quartz", "reference-marker-kiwi", "description-marker-mango")


def leaks(text: str, markers: tuple[str, ...] = SECRET_MARKERS) -> list[str]:
    lowered = text.lower()
    return [marker for marker in markers if marker.lower() in lowered]


@pytest.fixture
def publish(owner) -> Callable[..., tuple[Capsule, Playlist]]:
    """publish(capsule) → the capsule made published and public, alone in a public course."""

    def make(capsule: Capsule) -> tuple[Capsule, Playlist]:
        Capsule.objects.filter(pk=capsule.pk).update(status="published", is_public=True)
        capsule.refresh_from_db()
        course = playlist_create(creator=owner, title=f"Course of {capsule.title}", is_public=True, items=[{"capsule_id": str(capsule.pk)}])
        return capsule, course

    return make


class HostileLearner:
    """An anonymous learner: the embed's posts (htmx, with the learner key embed-frame.js sends) and the API."""

    def __init__(self) -> None:
        self.browser = Client()
        self.api = APIClient()

    def embed(self, course: Playlist, action: str, code: str) -> str:
        url = reverse(f"playlists:step_{action}", args=[course.pk, 1])
        response = self.browser.post(
            url, data=urlencode({"code": code}), content_type="application/x-www-form-urlencoded",
            headers={"HX-Request": "true", "X-Learner-Key": LEARNER},
        )  # fmt: skip
        assert response.status_code == 200, response.content[:500]
        return response.content.decode()

    def terminal(self, course: Playlist, action: str, **fields: str) -> str:
        url = reverse(f"playlists:step_terminal_{action}", args=[course.pk, 1])
        response = self.browser.post(
            url, data=urlencode(fields), content_type="application/x-www-form-urlencoded",
            headers={"HX-Request": "true", "X-Learner-Key": LEARNER},
        )  # fmt: skip
        assert response.status_code == 200, response.content[:500]
        return response.content.decode()

    def attempt(self, capsule: Capsule, code: str) -> dict[str, Any]:
        response = self.api.post(reverse("api-capsule-attempts", args=[capsule.pk]), {"code": code}, format="json")
        assert response.status_code == 200, response.content[:500]
        return json.loads(response.content)


@pytest.fixture
def learner() -> HostileLearner:
    return HostileLearner()
