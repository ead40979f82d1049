"""Learners' drafts kept on the server (LearnerDraft), the daily django-q2 schedule that expires old ones
(playlists.services.drafts_expire), and the admin's label of LearnerProgress ("Learner progress", not
"Learner progresss").

The schedule is a row in django_q's Schedule table, made here rather than at start-up (apps.ready() must not
touch the database), like judges' hourly workspace expiry, so `manage.py migrate` is all a deployment needs.
"""

import django.db.models.deletion
from django.db import migrations, models

SCHEDULE_NAME = "Expire learner drafts"
FUNC = "playlists.services.drafts_expire"


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
        ("capsules", "0003_capsule_moderation_reason"),
        ("playlists", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="learnerprogress",
            options={"verbose_name_plural": "learner progress"},
        ),
        migrations.CreateModel(
            name="LearnerDraft",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("learner_key", models.CharField(max_length=64)),
                ("code", models.TextField()),
                ("updated_at", models.DateTimeField(auto_now=True, db_index=True)),
                (
                    "capsule",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="capsules.capsule"),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("learner_key", "capsule"), name="learner_draft_unique")],
            },
        ),
        migrations.RunPython(create_schedule, delete_schedule),
    ]
