"""`dispatch_events`: run the handlers of pending domain events once, or every N seconds with
--loop N.

The task enqueued after each commit normally does this at once; run the command from cron
(once a minute) or as a long-running process so that retries and lost tasks are picked up.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from yishi.core.events import events_dispatch


class Command(BaseCommand):
    help = "处理待处理的领域事件 / Run the handlers of pending domain events."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--loop",
            type=int,
            default=0,
            metavar="SECONDS",
            help="每隔 SECONDS 秒重复处理，直到被中断 / repeat every SECONDS until interrupted",
        )
        parser.add_argument(
            "--limit", type=int, default=100, help="每轮最多处理次数 / handler runs per round"
        )

    def handle(self, *args, loop: int, limit: int, **options) -> None:
        if loop < 0 or limit < 1:
            raise CommandError("--loop 不能为负数，--limit 至少为 1 / bad --loop or --limit")
        try:
            while True:
                report = events_dispatch(limit=limit)
                attempted = report["handled"] + report["failed"]
                if not loop or attempted:
                    self.stdout.write(
                        f"已处理 {report['handled']}，失败待重试 {report['failed']}，"
                        f"未完成事件 {report['pending']} / handled {report['handled']}, "
                        f"failed {report['failed']}, pending events {report['pending']}"
                    )
                if not loop:
                    return
                # A full round means more may be due right away: go again without sleeping.
                if attempted < limit:
                    time.sleep(loop)
        except KeyboardInterrupt:
            self.stdout.write("已停止 / stopped")
