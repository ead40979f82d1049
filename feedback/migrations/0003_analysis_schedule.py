"""The daily django-q2 schedule that recomputes the feedback insights (feedback.tasks.analyse_feedback).

Made once here rather than at start-up (apps.ready() must not touch the database), like judges' workspace
schedule, so `manage.py migrate` is all a deployment needs. The analysis also runs after edits (enqueued by
feedback.services on commit); the daily run keeps the weekly trend and the periods moving when nobody edits,
and refreshes the LLM summary.
"""

from django.db import migrations

SCHEDULE_NAME = "Analyse creator feedback"
FUNC = "feedback.tasks.analyse_feedback"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": FUNC, "schedule_type": "D", "repeats": -1},  # "D" = Schedule.DAILY, forever
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_feedbacksnapshot"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
