from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "yishi.reports"
    label = "reports"
    verbose_name = "办不成事反映与体验走流程"
