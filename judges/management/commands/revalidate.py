"""manage.py revalidate [--owner USERNAME] [--status validated,published] [--workers K]

Judges saved capsules again (by default every capsule whose status is validated or published) through
capsules.services.capsule_validate, which saves each new report and applies the gate's status rule
(status_after_judging: a capsule that fails goes back to draft, a rejected or flagged one keeps its status).
Use it after a runtime or judge upgrade to find the capsules that no longer pass.

stdout gets one line per capsule that fails, in creation order, then a summary:

    3f2a…-… Find the largest number: wrong_output: print(find_largest([1, 5, 2])) printed '1\\n' but '5\\n' was expected.
    12 checked, 1 no longer pass

The exit status is 1 if any capsule no longer passes. `--workers K` judges K capsules at a time in threads
(each judge job in its own sandbox slot; each thread saves through its own database connection, closed when
it is done); the listing keeps creation order.

The actor: each capsule is re-judged as its own creator. capsule_validate only asks the actor for the right
to edit the capsule (the creator always has it) and records no actor, so this needs no staff or system
account to exist and grants the command no rights a person does not already have over that capsule.

Before anything is judged the sandbox is checked: if bubblewrap cannot run (and JUDGE_ALLOW_UNSANDBOXED is
off) the command stops, because every capsule would otherwise fail with sandbox_error and be sent back to
draft by an outage rather than by its own fault.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from capsules.models import Capsule, CapsuleStatus
from capsules.records import owner_option
from capsules.services import capsule_validate
from judges.management.commands.validate_capsules import map_in_order, positive_int
from judges.sandbox import SandboxError, sandbox_status

DEFAULT_STATUSES = (CapsuleStatus.VALIDATED, CapsuleStatus.PUBLISHED)


def statuses(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in CapsuleStatus.values]
    if unknown or not names:
        raise ValueError(value)
    return names


statuses.__name__ = f"status list ({', '.join(CapsuleStatus.values)})"


def revalidate_one(capsule: Capsule) -> tuple[Capsule, dict[str, Any] | None]:
    """(capsule, its new report), or (capsule, None) if it was deleted before its report could be saved."""
    try:
        return capsule, capsule_validate(capsule=capsule, actor=capsule.creator)
    except Capsule.DoesNotExist:
        return capsule, None


class Command(BaseCommand):
    help = (
        "Judge saved capsules again (default: every validated or published one), save the new reports and "
        "statuses, and list those that no longer pass. Exits with status 1 if any no longer pass."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", help="only the capsules of the creator with this username")
        parser.add_argument(
            "--status",
            type=statuses,
            default=list(DEFAULT_STATUSES),
            help="comma-separated statuses of the capsules to judge (default: validated,published)",
        )
        parser.add_argument(
            "--workers", type=positive_int, default=1, help="how many capsules to judge at the same time (default 1)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queryset = Capsule.objects.filter(status__in=options["status"]).select_related("creator")
        if options["owner"] is not None:
            queryset = queryset.filter(creator=owner_option(options["owner"]))
        capsules = list(queryset.order_by("created_at", "pk"))
        if capsules:
            self._check_sandbox()

        checked = failed = 0
        for capsule, report in map_in_order(revalidate_one, capsules, options["workers"]):
            if report is None:
                self.stderr.write(f"{capsule.pk} {capsule.title}: deleted while revalidating, skipped")
                continue
            checked += 1
            if not report["passed"]:
                failed += 1
                self.stdout.write(f"{capsule.pk} {capsule.title}: {report['category']}: {report['message']}")
        self.stdout.write(f"{checked} checked, {failed} no longer pass")
        if failed:
            noun = "capsule no longer passes" if failed == 1 else "capsules no longer pass"
            raise CommandError(f"{failed} {noun}", returncode=1)


    def _check_sandbox(self) -> None:
        try:
            reason = sandbox_status()
        except SandboxError as exc:
            reason = str(exc)
        if reason is not None and not settings.JUDGE_ALLOW_UNSANDBOXED:
            raise CommandError(
                f"the judge's sandbox is unavailable, nothing was judged (a sandbox failure would send every "
                f"capsule back to draft): {reason}"
            )
