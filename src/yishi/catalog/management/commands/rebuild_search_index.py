"""Rewrite every matter's search terms (after a bulk import or a change to the term rules)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from yishi.catalog.models import Matter
from yishi.catalog.search import index_all


class Command(BaseCommand):
    help = "重建事项检索索引（中文词、全拼、简拼、部门与主题名称）"

    def handle(self, *args, **options):
        started = time.perf_counter()
        terms = index_all(Matter.objects.all())
        self.stdout.write(
            f"已重建 {Matter.objects.count()} 个事项的检索词 {terms} 条，"
            f"用时 {time.perf_counter() - started:.1f} 秒"
        )
