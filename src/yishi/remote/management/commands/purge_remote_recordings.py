"""Delete the remote sessions' recordings kept longer than YISHI_REMOTE_RECORDING_DAYS."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from yishi.remote.services import recordings_purge


class Command(BaseCommand):
    help = "删除超过保存期限的远程视频办理录像"

    def handle(self, *args, **options) -> None:
        n = recordings_purge()
        self.stdout.write(f"已删除 {n} 份到期录像")
