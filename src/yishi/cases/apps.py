from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "yishi.cases"
    label = "cases"
    verbose_name = "办件"

    def ready(self) -> None:
        # Registers the handler that moves open deadlines when the calendar changes.
        from yishi.cases import calendar_changes  # noqa: F401
