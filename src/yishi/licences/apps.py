from django.apps import AppConfig


class LicencesConfig(AppConfig):
    name = "yishi.licences"
    label = "licences"
    verbose_name = "电子证照"

    def ready(self) -> None:
        # Registers the named event handlers (grep "licences.issue_on_approval").
        from yishi.licences import handlers  # noqa: F401
