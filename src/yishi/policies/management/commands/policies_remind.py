"""`python -m yishi policies_remind`: remind eligible companies of 即申即享 deadlines."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from yishi.policies.applications import deadline_reminders
from yishi.policies.queries import POLICY_DEADLINE_DAYS


class Command(BaseCommand):
    help = "提醒符合条件、尚未申报的企业：即申即享政策即将截止申报（每项政策每个截止日提醒一次）。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="判定日 YYYY-MM-DD（默认今天）")
        parser.add_argument("--days", type=int, default=POLICY_DEADLINE_DAYS, help="提前天数")

    def handle(self, *args, **options):
        try:
            day = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError("判定日须为 YYYY-MM-DD 格式") from exc
        told = deadline_reminders(today=day, within_days=options["days"])
        for code, count in told.items():
            self.stdout.write(f"{code}：提醒 {count} 家企业")
        self.stdout.write(f"共提醒 {sum(told.values())} 家次")
