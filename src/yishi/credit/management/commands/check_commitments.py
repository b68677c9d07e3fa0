"""Daily: remind applicants of committed materials falling due, break overdue commitments."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from yishi.credit.commitments import commitments_check


class Command(BaseCommand):
    help = "检查承诺履行情况：到期前提醒，逾期未补交认定失信"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按指定日期检查（YYYY-MM-DD），默认今天")

    def handle(self, *args, **options):
        today = None
        if options.get("today"):
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("--today 须为 YYYY-MM-DD 格式的日期") from exc
        result = commitments_check(today=today)
        self.stdout.write(f"已提醒 {result['reminded']} 项，认定失信 {result['broken']} 份承诺。")
