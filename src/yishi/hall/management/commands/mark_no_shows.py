"""`python -m yishi mark_no_shows`: bookings whose half hour has passed without a check-in
become no-shows (run every half hour; idempotent). No-shows limit booking."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from yishi.hall.services import appointment_mark_no_shows


class Command(BaseCommand):
    help = "将已过时段仍未签到的预约记为爽约（每半小时运行一次，可重复运行）。"

    def handle(self, *args, **options) -> None:
        count = appointment_mark_no_shows()
        self.stdout.write(f"记为爽约的预约：{count} 个")
