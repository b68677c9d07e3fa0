"""`python -m yishi worker`: the task worker of the configured mode (README, Configuration):
django-tasks-db's `db_worker` on the database backend, django-rq's `rqworker` on RQ. Start
as many as the load needs, on as many machines; `--burst` stops when the queue is empty."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

RQ_BACKEND = "django_tasks_rq.RQBackend"
DB_BACKEND = "django_tasks_db.DatabaseBackend"


class Command(BaseCommand):
    help = "运行后台任务处理进程（按 YISHI_TASK_BACKEND 选择数据库或 RQ）/ Run the task worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--burst",
            action="store_true",
            help="队列为空时退出 / exit when the queue is empty",
        )

    def handle(self, *args, burst: bool, **options) -> None:
        backend = settings.TASKS["default"]["BACKEND"]
        if backend == RQ_BACKEND:
            queues = sorted(settings.RQ_QUEUES)
            call_command("rqworker", *queues, *(["--burst"] if burst else []))
        elif backend == DB_BACKEND:
            call_command(
                "db_worker",
                "--queue-name",
                "*",
                "--no-reload",
                *(["--batch", "--no-startup-delay"] if burst else []),
            )
        else:
            raise CommandError(f"任务后端 {backend} 不需要处理进程 / runs without a worker")
