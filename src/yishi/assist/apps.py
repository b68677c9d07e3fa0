from django.apps import AppConfig


class AssistConfig(AppConfig):
    name = "yishi.assist"
    label = "assist"
    verbose_name = "帮办代办"
