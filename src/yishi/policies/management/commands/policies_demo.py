"""`python -m yishi policies_demo`: seed the demo benefit policies (amounts are samples)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yishi.core.errors import DomainError
from yishi.policies.demo import policies_demo


class Command(BaseCommand):
    help = (
        "加载示范政策（高龄津贴、两项残疾人补贴、失业保险金及企业政策）；金额均为示例，可重复运行。"
    )

    def handle(self, *args, **options):
        try:
            result = policies_demo()
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(result.summary())
