"""`verify_audit`: walk the SM3 hash chain of the audit log and check every signed head
(AuditCheckpoint); exit status 1 when either fails."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yishi.core.audit import audit_verify
from yishi.core.checkpoints import audit_checkpoints_verify


class Command(BaseCommand):
    help = "校验审计日志哈希链与链头签名 / Verify the audit log's SM3 chain and signed heads."

    def handle(self, *args, **options) -> None:
        chain = audit_verify()
        if not chain.ok:
            raise CommandError(chain.summary(), returncode=1)
        checkpoints = audit_checkpoints_verify()
        if not checkpoints.ok:
            raise CommandError(f"{chain.summary()}\n{checkpoints.summary()}", returncode=1)
        self.stdout.write(self.style.SUCCESS(chain.summary()))
        self.stdout.write(self.style.SUCCESS(checkpoints.summary()))
