"""`sign_audit_head`: sign the audit chain's current head with the platform's SM2 key (daily)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from yishi.core.checkpoints import audit_checkpoint_sign


class Command(BaseCommand):
    help = "签名审计日志链头 / Sign the audit chain's head with the platform's SM2 key."

    def handle(self, *args, **options) -> None:
        checkpoint = audit_checkpoint_sign()
        if checkpoint is None:
            self.stdout.write("审计日志为空，无需签名 / The audit log is empty: nothing to sign.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"已签名审计链头：第 #{checkpoint.entry_id} 条，哈希 {checkpoint.hash}，"
                f"密钥 {checkpoint.key_id}。\n"
                f"Signed audit head #{checkpoint.entry_id} {checkpoint.hash} "
                f"(key {checkpoint.key_id})."
            )
        )
