"""`python -m yishi scheduler`: enqueue each periodic job of yishi/schedule.py at its times,
on the configured task backend (database or RQ); `--list` prints the table and exits.

Run one beside the workers. A second one started by mistake does no harm: each due run is
claimed in the database before it is enqueued (yishi.core.scheduler).
"""

from __future__ import annotations

from apscheduler.schedulers.blocking import BlockingScheduler
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from yishi.core.scheduler import scheduler_build, scheduler_identity
from yishi.schedule import SCHEDULE


class Command(BaseCommand):
    help = "定时任务调度：按计划把周期任务排入任务队列 / Enqueue the periodic jobs on schedule."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--list",
            action="store_true",
            dest="list_only",
            help="列出计划表后退出 / print the schedule and exit",
        )

    def handle(self, *args, list_only: bool, **options) -> None:
        scheduler = scheduler_build(BlockingScheduler(timezone=settings.TIME_ZONE), SCHEDULE)
        if list_only:
            for entry in SCHEDULE:
                due = entry.parsed().due(timezone.now())
                self.stdout.write(f"{entry.schedule:<24} {entry.task}  (last due {due:%F %T%z})")
            return
        self.stdout.write(
            f"调度进程 {scheduler_identity()} 已启动：{len(SCHEDULE)} 项定时任务，任务后端 "
            f"{settings.TASK_BACKEND} / scheduler started",
        )
        self.stdout.flush()
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            scheduler.shutdown(wait=False)
