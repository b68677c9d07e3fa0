"""`purge_idempotency`: delete expired Idempotency-Key records (run daily from cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from yishi.core.idempotency import idempotency_purge


class Command(BaseCommand):
    help = "删除已过期的幂等记录 / Delete expired Idempotency-Key records."

    def handle(self, *args, **options) -> None:
        deleted = idempotency_purge()
        self.stdout.write(f"已删除 {deleted} 条过期幂等记录 / deleted {deleted} expired records")
