from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "yishi.credit"
    label = "credit"
    verbose_name = "信用与承诺"

    def ready(self) -> None:
        # Registers the credit app's event handlers (see handlers.py).
        from yishi.credit import calendar_changes, handlers  # noqa: F401
