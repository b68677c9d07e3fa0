from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "yishi.governance"
    label = "governance"
    verbose_name = "数据治理"
