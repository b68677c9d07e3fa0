from django.apps import AppConfig
from django_tasks_db.apps import TasksAppConfig


class CoreConfig(AppConfig):
    name = "yishi.core"
    label = "core"
    verbose_name = "基础平台"


class TasksDbConfig(TasksAppConfig):
    """django-tasks-db under a Chinese name in the back-office."""

    verbose_name = "后台任务"

    def ready(self) -> None:
        super().ready()
        from django_tasks_db.models import DBTaskResult

        DBTaskResult._meta.verbose_name = "任务执行记录"
        DBTaskResult._meta.verbose_name_plural = "任务执行记录"
