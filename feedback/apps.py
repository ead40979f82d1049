from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback"

    def ready(self) -> None:
        # feedback listens to capsule saves; capsules never imports feedback (DESIGN.md §1).
        from capsules.hooks import register_edit_listener
        from feedback.services import capsule_edited

        register_edit_listener(capsule_edited)
