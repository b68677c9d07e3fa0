from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "yishi.policies"
    label = "policies"
    verbose_name = "惠企利民政策"

    def ready(self) -> None:
        # Registers the policies app's event handlers (see handlers.py).
        from yishi.policies import handlers  # noqa: F401
