"""manage.py start_fine_tune --actor STAFF_USERNAME [--base-model MODEL]

Starts a fine-tuning job of the Coder on everyone's training set, as the dashboard's button does
(feedback.finetune.services.finetune_start): the actor must be staff, the provider configured, the examples enough.
Follow it on the job page (printed) or let the polling schedule update it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from codecapsule.errors import ApplicationError
from feedback.finetune.services import finetune_start


class Command(BaseCommand):
    help = "Start a fine-tuning job of the Coder on the training set (staff only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", required=True, help="the staff user starting the job")
        parser.add_argument("--base-model", help="the model to fine-tune (default FINE_TUNE_BASE_MODEL)")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        try:
            actor = User.objects.get(**{User.USERNAME_FIELD: options["actor"]})
        except User.DoesNotExist:
            raise CommandError(f"--actor: no user named {options['actor']!r}") from None
        try:
            job = finetune_start(actor=actor, base_model=options["base_model"])
        except PermissionDenied:
            raise CommandError(f"--actor: {actor} is not staff; fine-tuning is for staff.") from None
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"started fine-tuning job {job.provider_job_id} ({job.status}) of {job.base_model} "
            f"with {job.examples} examples; follow it at {reverse('feedback:finetune_detail', args=[job.pk])}"
        )
