"""`verify_audit`: walk the SM3 hash chain of the audit log; exit status 1 when it is broken."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yishi.core.audit import audit_verify


class Command(BaseCommand):
    help = "校验审计日志哈希链 / Verify the SM3 hash chain of the audit log."

    def handle(self, *args, **options) -> None:
        result = audit_verify()
        if not result.ok:
            raise CommandError(result.summary(), returncode=1)
        self.stdout.write(self.style.SUCCESS(result.summary()))
