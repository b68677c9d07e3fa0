from django.apps import AppConfig


class ThemesConfig(AppConfig):
    name = "yishi.themes"
    label = "themes"
    verbose_name = "一件事主题"
