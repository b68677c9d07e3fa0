from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yishi.core"
    label = "core"
    verbose_name = "基础平台"
