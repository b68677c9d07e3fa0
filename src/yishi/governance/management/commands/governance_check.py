"""`python -m yishi governance_check`: run every active quality rule (the scheduled pass)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from yishi.governance.services import governance_check


class Command(BaseCommand):
    help = "运行全部数据质量规则，登记新发现的问题并记录质量评分"

    def handle(self, *args, **options) -> None:
        result = governance_check(actor="system:governance")
        self.stdout.write(
            f"检查数据资源 {result['datasets']} 个，新发现问题 {result['findings']} 条。"
        )
