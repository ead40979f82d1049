"""manage.py seed_demo_playlist — the demo course as one public playlist of the demo creator's capsules.

Run after seed_demo (make run does both). Idempotent: the playlist is keyed on (demo creator, title); a
second run puts its steps back in the demo order if someone changed them, and otherwise changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from capsules.demo_capsules import DEMO_USERNAME
from capsules.models import Capsule
from playlists.models import Playlist, PlaylistItem
from playlists.services import playlist_create, playlist_replace

DEMO_PLAYLIST_TITLE = "CodeCapsule tour: code, SQL and the shell"
DEMO_PLAYLIST_DESCRIPTION = "A five-step course through every kind of capsule: two functions, two queries and a shell task."
# One step per idea, easy first: the order a new learner would meet them in.
DEMO_STEPS = (
    "Count the vowels",
    "Reverse the words of a sentence",
    "Books to reorder",
    "Revenue per customer",
    "Tidy up a downloads folder",
)


class Command(BaseCommand):
    help = f"Create or refresh the public demo playlist {DEMO_PLAYLIST_TITLE!r} (run seed_demo first). Development only."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo_playlist only runs with DEBUG on (DJANGO_DEBUG=1), like seed_demo.")
        demo = get_user_model().objects.filter(username=DEMO_USERNAME).first()
        if demo is None:
            raise CommandError(f"There is no demo user {DEMO_USERNAME!r}: run `manage.py seed_demo` first.")
        items = [{"capsule_id": str(self._capsule(demo, title).pk)} for title in DEMO_STEPS]
        with transaction.atomic():
            playlist = Playlist.objects.filter(creator=demo, title=DEMO_PLAYLIST_TITLE).first()
            if playlist is None:
                playlist = playlist_create(
                    creator=demo, title=DEMO_PLAYLIST_TITLE, description=DEMO_PLAYLIST_DESCRIPTION, is_public=True, items=items
                )
                outcome = "created"
            elif self._differs(playlist, items):
                playlist_replace(
                    playlist=playlist, actor=demo, title=DEMO_PLAYLIST_TITLE, description=DEMO_PLAYLIST_DESCRIPTION,
                    is_public=True, items=items,
                )  # fmt: skip
                outcome = "updated"
            else:
                outcome = "unchanged"
        self.stdout.write(f"demo playlist: {outcome} — /embed/playlist/{playlist.pk}")

    def _capsule(self, demo: Any, title: str) -> Capsule:
        capsule = Capsule.objects.filter(creator=demo, title=title).order_by("created_at").first()
        if capsule is None:
            raise CommandError(f"The demo capsule {title!r} is missing: run `manage.py seed_demo` first.")
        return capsule

    def _differs(self, playlist: Playlist, items: list[dict[str, str]]) -> bool:
        current = [str(pk) for pk in PlaylistItem.objects.filter(playlist=playlist).order_by("order").values_list("capsule_id", flat=True)]
        details = (playlist.description, playlist.is_public) != (DEMO_PLAYLIST_DESCRIPTION, True)
        return details or current != [item["capsule_id"] for item in items]
