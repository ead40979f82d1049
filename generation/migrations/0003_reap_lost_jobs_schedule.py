"""The minutely django-q2 schedule that fails generation jobs whose worker was lost
(generation.tasks.reap_lost_generation_jobs → generation.services.generation_jobs_reap_lost).

Made once here rather than at start-up (apps.ready() must not touch the database), like the other schedules.
The job's page and API reap the job they show, so a watching creator learns sooner; this schedule covers the
jobs nobody is watching (and frees their creators' concurrency slots).
"""

from django.db import migrations

SCHEDULE_NAME = "Fail generation jobs whose worker was lost"
FUNC = "generation.tasks.reap_lost_generation_jobs"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": FUNC, "schedule_type": "I", "minutes": 1, "repeats": -1},  # "I" = Schedule.MINUTES, forever
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0002_generationjob_heartbeat_at"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
