from django.apps import AppConfig


class EnterpriseConfig(AppConfig):
    name = "yishi.enterprise"
    label = "enterprise"
    verbose_name = "企业一类事与增值服务"
