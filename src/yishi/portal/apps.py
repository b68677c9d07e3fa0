from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "yishi.portal"
    label = "portal"
    verbose_name = "门户"
