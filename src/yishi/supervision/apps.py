from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "yishi.supervision"
    label = "supervision"
    verbose_name = "审管衔接"

    def ready(self) -> None:
        # Registers the named event handlers (grep "supervision.create_task").
        from yishi.supervision import handlers  # noqa: F401
