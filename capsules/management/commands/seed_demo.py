"""manage.py seed_demo — the demo creator and the demo course, for development machines only.

Idempotent: the demo creator is the user `demo` (password settings.DEMO_PASSWORD); each demo capsule is
keyed on (demo creator, title). Running it again creates nothing new and changes nothing unless the demo
data in capsules/demo_capsules.py changed, or someone edited a demo capsule (it is then put back).

It creates no staff user: make one with `manage.py createsuperuser` to use the admin.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from capsules.demo_capsules import DEMO_USERNAME, demo_capsules
from capsules.hooks import EditPath
from capsules.models import Capsule, CapsuleStatus
from capsules.services import capsule_create, capsule_differs_from, capsule_update


class Command(BaseCommand):
    help = (
        f"Create or refresh the demo creator '{DEMO_USERNAME}' (password from DEMO_PASSWORD) and the demo "
        "capsules. Development only: refuses to run unless DEBUG is on."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DEBUG on (DJANGO_DEBUG=1): it creates a user with a well-known "
                "password, which must never exist on a production site."
            )
        with transaction.atomic():
            demo, user_note = self._demo_user()
            created = updated = unchanged = 0
            for data in demo_capsules():
                outcome = self._upsert(demo, data)
                created += outcome == "created"
                updated += outcome == "updated"
                unchanged += outcome == "unchanged"
        self.stdout.write(f"demo user '{DEMO_USERNAME}': {user_note}")
        self.stdout.write(f"demo capsules: created {created}, updated {updated}, unchanged {unchanged}")

    def _demo_user(self) -> tuple[Any, str]:
        User = get_user_model()
        lookup: dict[str, Any] = {User.USERNAME_FIELD: DEMO_USERNAME}
        user, created = User.objects.get_or_create(**lookup)
        # check_password first: set_password picks a new salt, so calling it every run would change the row.
        if created or not user.check_password(settings.DEMO_PASSWORD):
            user.set_password(settings.DEMO_PASSWORD)
            user.save()
            return user, "created" if created else "password reset to DEMO_PASSWORD"
        return user, "unchanged"

    def _upsert(self, demo: Any, data: dict[str, Any]) -> str:
        capsule = Capsule.objects.filter(creator=demo, title=data["title"]).order_by("created_at").first()
        if capsule is None:
            capsule = capsule_create(creator=demo, data=data)
            outcome = "created"
        elif capsule_differs_from(capsule=capsule, data=data):
            capsule = capsule_update(capsule=capsule, actor=demo, data=data, source=EditPath.SEED)
            outcome = "updated"
        else:
            outcome = "unchanged"
        if capsule.status == CapsuleStatus.VALIDATED:
            # The demo course must be browsable by anonymous learners, so it is published here directly,
            # without a moderator: the judge has just proven it (every save goes through the gate).
            # .update() leaves updated_at alone.
            Capsule.objects.filter(pk=capsule.pk).update(status=CapsuleStatus.PUBLISHED)
            if outcome == "unchanged":
                outcome = "updated"
        elif capsule.status != CapsuleStatus.PUBLISHED:
            report = capsule.validation_report or {}
            raise CommandError(
                f"demo capsule {data['title']!r} did not pass the judge ({report.get('category')}): {report.get('message')}"
            )
        return outcome
