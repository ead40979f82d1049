from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="FeedbackSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("days", models.PositiveSmallIntegerField(unique=True)),
                (
                    "insights",
                    models.JSONField(help_text="feedback.analysis.feedback_insights(user=None, days=days), plus llm_summary."),
                ),
                ("computed_at", models.DateTimeField()),
            ],
        ),
    ]
