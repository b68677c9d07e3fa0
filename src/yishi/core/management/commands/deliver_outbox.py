"""`deliver_outbox`: deliver due outbox messages once, or every N seconds with --loop N.

Run it from cron (once a minute) or as a long-running process next to the task worker.
"""

from __future__ import annotations

from yishi.core.management.loop import LoopCommand
from yishi.core.outbox import outbox_deliver_due


class Command(LoopCommand):
    help = "投递发件箱中到期的外发消息 / Deliver due outbox messages."
    round_help = "每轮最多投递条数 / messages per round"

    def run_round(self, limit: int) -> tuple[int, str]:
        report = outbox_deliver_due(limit=limit)
        return report.attempted, (
            f"已投递 {report.delivered}，待重试 {report.retrying}，转为死信 "
            f"{report.dead} / delivered {report.delivered}, retrying "
            f"{report.retrying}, dead {report.dead}"
        )
