"""Admin: staff list learners' terminal workspaces, read-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from judges.models import TerminalWorkspace


@pytest.mark.django_db
def test_staff_list_workspaces_but_cannot_add_or_change_them(staff, owner, make_capsule):
    capsule = make_capsule(owner, "TERMINAL")
    workspace = TerminalWorkspace.objects.create(
        capsule=capsule, learner_key="k" * 32, archive=b"x", size=1, expires_at=timezone.now() + timedelta(hours=1)
    )
    client = Client()
    client.force_login(staff)

    listing = client.get("/admin/judges/terminalworkspace/")

    assert listing.status_code == 200 and b"kkkkkkkk" in listing.content
    assert client.get("/admin/judges/terminalworkspace/add/").status_code == 403
    assert client.post(f"/admin/judges/terminalworkspace/{workspace.pk}/change/", {"cwd": "/"}).status_code == 403
    workspace.refresh_from_db()
    assert workspace.cwd != "/"
