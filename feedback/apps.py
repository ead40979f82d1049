from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback"

    def ready(self) -> None:
        # feedback listens to capsule saves and lends generation a fine-tuned Coder; neither capsules nor
        # generation imports feedback (README, "Where the code lives").
        from capsules.hooks import register_edit_listener
        from feedback.edits.capture import capsule_edited
        from feedback.finetune.selectors import coder_model_override
        from generation.llm.config import register_model_override

        register_edit_listener(capsule_edited)
        register_model_override(coder_model_override)
