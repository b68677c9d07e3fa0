"""Import a catalog workbook: every row is checked first; any error writes nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yishi.catalog.excel import import_catalog


class Command(BaseCommand):
    help = "从 Excel(xlsx) 导入政务服务事项目录（先校验全部行，有错误则不写入）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="xlsx 文件路径")

    def handle(self, *args, path: str, **options) -> None:
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"文件 {path} 不存在")
        with source.open("rb") as fh:
            report = import_catalog(fh)
        for error in report.errors:
            self.stderr.write(error)
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
