from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "yishi.people"
    label = "people"
    verbose_name = "人员与企业"
