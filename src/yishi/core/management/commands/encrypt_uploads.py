"""`encrypt_uploads`: seal the upload files kept in plain before encryption at rest came, and
move their rows to the keyed address. Safe to run again and to interrupt."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yishi.core.uploads import legacy_count, stored_files_encrypt


class Command(BaseCommand):
    help = "加密尚未加密的上传文件 / Encrypt upload files written before encryption at rest."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="只统计未加密的文件，有则以非零状态退出 / only count plain files, fail if any",
        )

    def handle(self, *args, check: bool, **options) -> None:
        if check:
            plain = legacy_count()
            self.stdout.write(f"未加密的上传文件 {plain} 个 / {plain} plain upload files")
            if plain:
                raise CommandError("仍有未加密的上传文件：请运行 encrypt_uploads")
            return
        result = stored_files_encrypt(say=self.stdout.write)
        self.stdout.write(f"已加密 {result.sealed} 个文件 / sealed {result.sealed} files")
        if result.damaged:
            listed = "、".join(result.damaged[:20])
            raise CommandError(
                f"{len(result.damaged)} 个文件缺失或与记录的 SM3 摘要不符，未加密：{listed}"
            )
