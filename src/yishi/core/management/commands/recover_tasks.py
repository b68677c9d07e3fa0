"""`recover_tasks`: re-queue the tasks a killed worker left RUNNING (core.task_recovery), once
or every N seconds with --loop N."""

from __future__ import annotations

from yishi.core.management.loop import LoopCommand
from yishi.core.task_recovery import tasks_requeue_stale


class Command(LoopCommand):
    help = "将被中断的工作进程遗留的任务重新排队 / Re-queue tasks a dead worker left running."
    round_help = "未使用 / unused"

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--lease-seconds",
            type=int,
            default=None,
            help="运行超过该秒数的任务视为遗留（默认 TASK_LEASE_SECONDS）/ lease in seconds",
        )

    def handle(self, *args, lease_seconds: int | None = None, **options) -> None:
        self.lease_seconds = lease_seconds
        super().handle(*args, **options)

    def run_round(self, limit: int) -> tuple[int, str]:
        count = tasks_requeue_stale(lease_seconds=self.lease_seconds)
        return count, f"重新排队 {count} 个任务 / re-queued {count} task(s)"
