"""Write the whole catalog to an xlsx workbook (the same file the admin's 导出 Excel gives)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from yishi.catalog.excel import export_catalog
from yishi.catalog.models import Matter


class Command(BaseCommand):
    help = "导出政务服务事项目录为 Excel(xlsx)"

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="输出文件路径，如 catalog.xlsx")

    def handle(self, *args, path: str, **options) -> None:
        Path(path).write_bytes(export_catalog())
        self.stdout.write(f"已导出 {Matter.objects.count()} 个事项到 {path}")
