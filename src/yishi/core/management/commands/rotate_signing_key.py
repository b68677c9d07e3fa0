"""`rotate_signing_key [--owner platform]`: give an owner a new SM2 signing key; the old key
is retired and keeps verifying the signatures it made."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yishi.core.signing import rotate_key


class Command(BaseCommand):
    help = "轮换签名密钥(SM2) / Rotate an owner's SM2 signing key."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--owner",
            default="platform",
            help="密钥所属，如 platform 或 dept:<部门代码> / key owner (default: platform)",
        )

    def handle(self, *args, owner: str, **options) -> None:
        try:
            key = rotate_key(owner=owner)
        except ValueError as exc:
            raise CommandError(f"所属“{owner}”无效 / bad --owner: {exc}") from exc
        self.stdout.write(
            f"已为 {key.owner} 启用新签名密钥 {key.key_id}，旧密钥已停用(仍可验签) / "
            f"new key {key.key_id} for {key.owner}; the old one is retired but still verifies"
        )
