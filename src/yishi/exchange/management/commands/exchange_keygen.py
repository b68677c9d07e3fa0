import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from tongsuopy.crypto import serialization
from tongsuopy.crypto.asymciphers import ec

from yishi.exchange.conf import KEY_FILE_NAME


class Command(BaseCommand):
    help = "在密钥目录生成本地区的跨域通办 SM2 私钥（已存在则不覆盖），并打印公钥供合作地区登记。"

    def handle(self, *args, **options):
        target = Path(settings.KEY_DIR) / KEY_FILE_NAME
        if not target.exists():
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            key = ec.generate_private_key(ec.SM2())
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
            self.stdout.write(f"已生成 {target}")
        key = serialization.load_pem_private_key(target.read_bytes(), password=None)
        self.stdout.write(
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )
