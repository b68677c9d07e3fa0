"""python -m yishi generate_history --applications N [--days 365] [--seed 1] [--until DATE]"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from yishi.stats import conf
from yishi.stats.history import generate


class Command(BaseCommand):
    help = "生成演示与压测用的历史办件（申请、子件、办件记录、审计日志、补正暂停、排队号、好差评）"

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, required=True, help="申请件数")
        parser.add_argument("--days", type=int, default=365, help="覆盖的天数（截至结束日期）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（相同种子结果相同）")
        parser.add_argument("--until", type=dt.date.fromisoformat, default=None, help="结束日期")
        parser.add_argument("--batch", type=int, default=None, help="每批写入的申请件数")
        parser.add_argument("--no-ratings", action="store_true", help="不生成好差评")
        parser.add_argument("--if-empty", action="store_true", help="已有办件时不生成")

    def handle(self, *args, **opts):
        from yishi.cases.models import Application

        if opts["applications"] < 0:
            raise CommandError("申请件数不能为负数")
        if opts["if_empty"] and Application.objects.filter(accepted_on__isnull=False).count() > 100:
            self.stdout.write("已有历史办件，跳过生成。")
            return
        try:
            result = generate(
                applications=opts["applications"],
                days=opts["days"],
                seed=opts["seed"],
                until=opts["until"],
                batch=opts["batch"] or conf.history_batch_size(),
                progress=lambda msg: self.stdout.write(msg),
                ratings=not opts["no_ratings"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
