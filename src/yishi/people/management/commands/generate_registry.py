"""`python -m yishi generate_registry [--persons N] [--companies M] [--seed S]`: add SYNTHETIC
persons and companies (valid ID numbers and credit codes, 梁子湖区 region codes)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from yishi.people.registry import generate_registry


class Command(BaseCommand):
    help = (
        "生成合成的自然人和法人登记数据（演示、测试与性能测试用；同一种子重复运行不会重复添加）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=2000, help="自然人数量（默认 2000）")
        parser.add_argument("--companies", type=int, default=200, help="法人数量（默认 200）")
        parser.add_argument("--seed", type=int, default=0, help="随机种子（默认 0）")
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="计算年龄的基准日期 YYYY-MM-DD（默认今天）",
        )
        parser.add_argument(
            "--method",
            choices=["auto", "copy", "bulk"],
            default="auto",
            help="写入方式：auto（PostgreSQL 用 COPY）、copy、bulk",
        )

    def handle(self, *args, persons, companies, seed, today, method, verbosity, **options):
        if persons < 0 or companies < 0:
            raise CommandError("--persons 和 --companies 不能为负数")
        progress = (lambda msg: self.stdout.write(f"  {msg}")) if verbosity > 1 else None
        try:
            result = generate_registry(
                persons=persons,
                companies=companies,
                seed=seed,
                today=today,
                method=method,
                progress=progress,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(result.summary()))
