from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "yishi.stats"
    label = "stats"
    verbose_name = "统计分析"

    def ready(self) -> None:
        # Registers the CALENDAR_CHANGED handler that keeps the working-day index current.
        from yishi.stats import calendar_index  # noqa: F401
