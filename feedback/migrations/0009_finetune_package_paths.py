"""feedback's modules moved into packages by sub-domain: the fine-tuning poll is now
feedback.finetune.tasks.poll_fine_tune_jobs (it was feedback.tasks_finetune.poll_fine_tune_jobs).

django-q2 stores a schedule's function as a dotted path, so every Schedule row that names the old path is pointed
at the new one (and back when unapplied); its interval, repeats and name are kept as they are. The help texts that
name a module follow the move too (no database change).
"""

from django.db import migrations, models

OLD_FUNC = "feedback.tasks_finetune.poll_fine_tune_jobs"
NEW_FUNC = "feedback.finetune.tasks.poll_fine_tune_jobs"


def point_at_new_path(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=OLD_FUNC).update(func=NEW_FUNC)


def point_at_old_path(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=NEW_FUNC).update(func=OLD_FUNC)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0008_training_summary"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(point_at_new_path, point_at_old_path),
        migrations.AlterField(
            model_name="finetunejob",
            name="training_export",
            field=models.CharField(
                blank=True, help_text="Our copy of the uploaded JSONL in file storage (feedback/training/exports.py).", max_length=255
            ),
        ),
        migrations.AlterField(
            model_name="feedbacksnapshot",
            name="insights",
            field=models.JSONField(help_text="feedback.insights.analysis.feedback_insights(user=None, days=days), plus llm_summary."),
        ),
        migrations.AlterField(
            model_name="trainingsummary",
            name="summary",
            field=models.JSONField(help_text="feedback.training.build.training_set_summary for the scope."),
        ),
    ]
