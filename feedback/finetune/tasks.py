"""The django-q2 task behind the fine-tuning schedule (feedback/migrations/*_fine_tune_poll_schedule.py, *_finetune_package_paths.py)."""

from __future__ import annotations

from feedback.finetune.services import finetune_poll_unfinished


def poll_fine_tune_jobs() -> int:
    """Poll every unfinished fine-tuning job; the result (jobs polled) shows in the admin's task list.

    Each job's poll failure is recorded on its row (poll_error) by the service, so one unreachable job
    neither stops the others nor fails the task.
    """
    return finetune_poll_unfinished()
