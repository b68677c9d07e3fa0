from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "yishi.companies"
    label = "companies"
    verbose_name = "企业服务"
