from django.apps import AppConfig


class JudgesConfig(AppConfig):
    name = "judges"

    def ready(self) -> None:
        from capsules.hooks import register_judge
        from judges.gate import validate

        register_judge(validate)
