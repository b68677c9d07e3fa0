"""`sweep_uploads`: delete upload files no row refers to (left by a rollback or a crash)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from yishi.core.uploads import stored_files_sweep


class Command(BaseCommand):
    help = "删除无记录引用的上传文件 / Delete upload files that no StoredFile row refers to."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=60,
            help="只删除早于此分钟数的文件 / only files older than this many minutes",
        )

    def handle(self, *args, grace_minutes: int, **options) -> None:
        if grace_minutes < 0:
            raise CommandError("--grace-minutes 不能为负数 / must not be negative")
        deleted = stored_files_sweep(grace=datetime.timedelta(minutes=grace_minutes))
        self.stdout.write(f"已删除 {deleted} 个孤立文件 / deleted {deleted} orphaned files")
