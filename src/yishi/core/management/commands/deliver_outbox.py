"""`deliver_outbox`: deliver due outbox messages once, or every N seconds with --loop N.

Run it from cron (once a minute) or as a long-running process next to the task worker.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from yishi.core.outbox import outbox_deliver_due


class Command(BaseCommand):
    help = "投递发件箱中到期的外发消息 / Deliver due outbox messages."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--loop",
            type=int,
            default=0,
            metavar="SECONDS",
            help="每隔 SECONDS 秒重复投递，直到被中断 / repeat every SECONDS until interrupted",
        )
        parser.add_argument(
            "--limit", type=int, default=100, help="每轮最多投递条数 / messages per round"
        )

    def handle(self, *args, loop: int, limit: int, **options) -> None:
        if loop < 0 or limit < 1:
            raise CommandError("--loop 不能为负数，--limit 至少为 1 / bad --loop or --limit")
        try:
            while True:
                report = outbox_deliver_due(limit=limit)
                if not loop or report.attempted:
                    self.stdout.write(
                        f"已投递 {report.delivered}，待重试 {report.retrying}，转为死信 "
                        f"{report.dead} / delivered {report.delivered}, retrying "
                        f"{report.retrying}, dead {report.dead}"
                    )
                if not loop:
                    return
                # A full round means more may be due right away: go again without sleeping.
                if report.attempted < limit:
                    time.sleep(loop)
        except KeyboardInterrupt:
            self.stdout.write("已停止 / stopped")
