from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "yishi.workbench"
    label = "workbench"
    verbose_name = "工作台"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from yishi.workbench.second_factor import remember_device_at_login

        # Sign-in bookkeeping, not business flow: whether a staff account has a device is
        # read once per sign-in, so staff requests do not ask the database each time.
        user_logged_in.connect(remember_device_at_login, dispatch_uid="yishi.second_factor")

        from yishi.workbench.device_admin import register

        register()  # deleting an authenticator in the back-office ends its owner's sessions
