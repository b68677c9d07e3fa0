from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "yishi.cases"
    label = "cases"
    verbose_name = "办件"
