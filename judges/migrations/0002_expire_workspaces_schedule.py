"""The hourly django-q2 schedule that deletes expired terminal workspaces (judges.workspace.workspace_expire).

A row in django_q's Schedule table, made once here rather than at start-up (apps.ready() must not touch the
database), so `manage.py migrate` is all a deployment needs. The qcluster calls the service with no
arguments; its return value (rows deleted) is the task's result in the admin.
"""

from django.db import migrations

SCHEDULE_NAME = "Expire terminal workspaces"
FUNC = "judges.workspace.workspace_expire"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": FUNC, "schedule_type": "H", "repeats": -1},  # "H" = Schedule.HOURLY, forever
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("judges", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
