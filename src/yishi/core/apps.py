from django.apps import AppConfig
from django_tasks_db.apps import TasksAppConfig


class CoreConfig(AppConfig):
    default = True  # apps.py holds two configs: "yishi.core" in INSTALLED_APPS means this one
    name = "yishi.core"
    label = "core"
    verbose_name = "基础平台"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from yishi.core.session_limits import stamp_at_sign_in

        # Session bookkeeping, not business flow: the sign-in saves the session anyway.
        user_logged_in.connect(stamp_at_sign_in, dispatch_uid="yishi.session_limits")


class TasksDbConfig(TasksAppConfig):
    """django-tasks-db under a Chinese name in the back-office."""

    verbose_name = "后台任务"

    def ready(self) -> None:
        super().ready()
        from django_tasks_db.models import DBTaskResult

        DBTaskResult._meta.verbose_name = "任务执行记录"
        DBTaskResult._meta.verbose_name_plural = "任务执行记录"
