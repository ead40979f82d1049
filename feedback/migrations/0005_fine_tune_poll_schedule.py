"""The django-q2 schedule that polls unfinished fine-tuning jobs (feedback.tasks_finetune.poll_fine_tune_jobs).

Made once here rather than at start-up (apps.ready() must not touch the database), like the other schedules.
Every FINE_TUNE_POLL_MINUTES as set when the migration runs; change it later in the admin's Schedule.
"""

from django.conf import settings
from django.db import migrations

SCHEDULE_NAME = "Poll fine-tuning jobs"
FUNC = "feedback.tasks_finetune.poll_fine_tune_jobs"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        # "I" = Schedule.MINUTES, forever
        defaults={"func": FUNC, "schedule_type": "I", "minutes": settings.FINE_TUNE_POLL_MINUTES, "repeats": -1},
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0004_finetunejob"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
