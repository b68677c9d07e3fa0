"""`restore <folder> [--force]`: check every SM3 digest, restore the database and the stored
files into an empty target, then verify the audit chain and its signed heads."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yishi.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "从备份恢复数据库和文件（先校验全部 SM3 摘要，恢复后校验审计日志）/ "
        "Restore a backup: digests first, then database and files, then the audit check."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path, help="backup 命令写出的备份目录")
        parser.add_argument(
            "--force",
            action="store_true",
            help="目标数据库或文件存储不是空的时也覆盖（会删除其中现有的数据）",
        )

    def handle(self, *args, **options) -> None:
        try:
            result = backup_restore(
                options["folder"], force=options["force"], say=self.stdout.write
            )
        except BackupError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成：{result.files} 个文件；审计日志 {result.audit_entries} 条校验通过，"
                f"{result.checkpoints} 个链头签名相符。\n"
                f"Restored {result.files} files; audit chain of {result.audit_entries} entries "
                f"and {result.checkpoints} signed heads verified."
            )
        )
