"""The shape of a periodic command: one round, or a round every N seconds with --loop N
(from cron or as a long-running process beside the task worker)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError


class LoopCommand(BaseCommand):
    """Subclasses set `round_help` (what a round does, for --limit) and implement
    `run_round(limit)` → (how many items it attempted, the line to print)."""

    round_help = "每轮最多处理条数 / items per round"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--loop",
            type=int,
            default=0,
            metavar="SECONDS",
            help="每隔 SECONDS 秒重复一轮，直到被中断 / repeat every SECONDS until interrupted",
        )
        parser.add_argument("--limit", type=int, default=100, help=self.round_help)

    def run_round(self, limit: int) -> tuple[int, str]:
        raise NotImplementedError

    def handle(self, *args, loop: int, limit: int, **options) -> None:
        if loop < 0 or limit < 1:
            raise CommandError("--loop 不能为负数，--limit 至少为 1 / bad --loop or --limit")
        try:
            while True:
                attempted, line = self.run_round(limit)
                if not loop or attempted:
                    self.stdout.write(line)
                if not loop:
                    return
                # A full round means more may be due right away: go again without sleeping.
                if attempted < limit:
                    time.sleep(loop)
        except KeyboardInterrupt:
            self.stdout.write("已停止 / stopped")
