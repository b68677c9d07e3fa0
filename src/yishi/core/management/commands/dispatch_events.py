"""`dispatch_events`: run the handlers of pending domain events once, or every N seconds with
--loop N.

The task enqueued after each commit normally does this at once; run the command from cron
(once a minute) or as a long-running process so that retries and lost tasks are picked up.
"""

from __future__ import annotations

from yishi.core.events import events_dispatch
from yishi.core.management.loop import LoopCommand


class Command(LoopCommand):
    help = "处理待处理的领域事件 / Run the handlers of pending domain events."
    round_help = "每轮最多处理次数 / handler runs per round"

    def run_round(self, limit: int) -> tuple[int, str]:
        report = events_dispatch(limit=limit)
        return report["handled"] + report["failed"], (
            f"已处理 {report['handled']}，失败待重试 {report['failed']}，"
            f"未完成事件 {report['pending']} / handled {report['handled']}, "
            f"failed {report['failed']}, pending events {report['pending']}"
        )
