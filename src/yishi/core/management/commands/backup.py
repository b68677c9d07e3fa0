"""`backup <folder> [--keys <folder>]`: database dump, stored files and a signed manifest
(yishi.core.backup). Keys only with --keys, into a folder of their own."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yishi.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "备份数据库、存储的文件和带 SM3 摘要的清单；--keys 把密钥写到另一个目录 / "
        "Back up the database, the stored files and a manifest of SM3 digests."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path, help="新的空目录（不得位于密钥目录之内）")
        parser.add_argument(
            "--keys",
            type=Path,
            default=None,
            help="把密钥写到这个单独的空目录（不得与备份目录相同或互相包含）",
        )

    def handle(self, *args, **options) -> None:
        try:
            result = backup_create(options["folder"], keys=options["keys"], say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成：{result.folder}，{result.files} 个文件。\n"
                f"Backup written to {result.folder}: {result.files} files."
            )
        )
        self.stdout.write(
            json.dumps(
                {
                    "folder": str(result.folder),
                    "files": result.files,
                    "bytes": result.bytes,
                    "audit_head": result.head_entry_id,
                }
            )
        )
