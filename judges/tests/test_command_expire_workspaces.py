"""manage.py expire_workspaces and the hourly django-q2 schedule: both delete the terminal workspaces whose
expiry has passed (judges.workspace.workspace_expire), never one a command is running in, and keep the rest."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pydoc import locate

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from capsules.models import Capsule
from capsules.tests.samples import capsule_data
from judges.models import TerminalWorkspace
from judges.workspace import workspace_expire

pytestmark = pytest.mark.django_db


@pytest.fixture
def capsule(owner) -> Capsule:
    return Capsule.objects.create(
        title="Terminal", capsule_type="TERMINAL", problem_statement_md="x", language="bash", runtime_tier="bash",
        config_data=capsule_data("TERMINAL")["config_data"], creator=owner,
    )  # fmt: skip


def workspace(capsule: Capsule, key: str, *, expires_in: timedelta, busy_for: timedelta | None = None) -> TerminalWorkspace:
    now = timezone.now()
    return TerminalWorkspace.objects.create(
        capsule=capsule,
        learner_key=key,
        archive=b"\x1f\x8b...",
        expires_at=now + expires_in,
        busy_until=now + busy_for if busy_for else None,
    )


@pytest.fixture
def rows(capsule) -> dict[str, TerminalWorkspace]:
    return {
        "abandoned": workspace(capsule, "abandoned", expires_in=-timedelta(hours=2)),
        "just-expired": workspace(capsule, "just-expired", expires_in=-timedelta(seconds=1)),
        "running": workspace(capsule, "running", expires_in=-timedelta(seconds=1), busy_for=timedelta(seconds=30)),
        "live": workspace(capsule, "live", expires_in=timedelta(hours=1)),
    }


def remaining() -> list[str]:
    return sorted(TerminalWorkspace.objects.values_list("learner_key", flat=True))


def expire(*args: str) -> str:
    out = StringIO()
    call_command("expire_workspaces", *args, stdout=out)
    return out.getvalue()


def test_it_deletes_the_expired_workspaces_and_says_how_many(rows):
    assert expire() == "2 expired workspaces deleted\n"
    assert remaining() == ["live", "running"]


def test_a_dry_run_only_counts_them(rows):
    assert expire("--dry-run") == "2 expired workspaces would be deleted\n"
    assert len(remaining()) == 4


def test_a_workspace_whose_command_has_ended_goes_once_expired(rows):
    TerminalWorkspace.objects.filter(learner_key="running").update(busy_until=timezone.now() - timedelta(seconds=1))
    assert workspace_expire() == 3
    assert remaining() == ["live"]


def test_the_service_takes_the_time_to_expire_at(rows):
    assert workspace_expire(now=timezone.now() - timedelta(hours=1)) == 1
    assert remaining() == ["just-expired", "live", "running"]


def test_an_hourly_schedule_runs_the_same_service(rows):
    schedule = Schedule.objects.get(name="Expire terminal workspaces")
    assert schedule.schedule_type == Schedule.HOURLY and schedule.repeats == -1
    task = locate(schedule.func)
    assert task is workspace_expire
    assert task() == 2  # the qcluster calls it without arguments
    assert remaining() == ["live", "running"]
