"""manage.py seed_demo_playlist: the demo course as one public playlist, idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from capsules.demo_capsules import DEMO_USERNAME
from capsules.models import Capsule
from playlists.management.commands.seed_demo_playlist import DEMO_PLAYLIST_TITLE, DEMO_STEPS
from playlists.models import Playlist, PlaylistItem
from playlists.tests.conftest import unjudged_capsule

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_capsules(django_user_model):
    demo = django_user_model.objects.create_user(DEMO_USERNAME, password="demo")
    Capsule.objects.bulk_create(unjudged_capsule(demo, title=title, status="published", is_public=True) for title in DEMO_STEPS)
    return demo


def run() -> str:
    out = StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo_playlist", stdout=out)
    return out.getvalue()


def test_it_creates_the_public_demo_playlist_in_the_demo_order_then_changes_nothing(demo_capsules):
    assert run().startswith("demo playlist: created")
    playlist = Playlist.objects.get(title=DEMO_PLAYLIST_TITLE)
    steps = list(PlaylistItem.objects.filter(playlist=playlist).order_by("order").values_list("capsule__title", flat=True))
    assert (playlist.is_public, playlist.creator, steps) == (True, demo_capsules, list(DEMO_STEPS))

    assert run().startswith("demo playlist: unchanged")
    assert Playlist.objects.get().version == 1


def test_it_puts_back_a_changed_demo_order(demo_capsules):
    run()
    PlaylistItem.objects.filter(order=1).delete()

    assert run().startswith("demo playlist: updated")
    assert PlaylistItem.objects.count() == len(DEMO_STEPS)


def test_it_needs_the_demo_capsules_and_debug(demo_capsules):
    Capsule.objects.filter(title=DEMO_STEPS[2]).delete()
    with pytest.raises(CommandError, match="Books to reorder"):
        run()
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo_playlist")
