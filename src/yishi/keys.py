"""The key folder: secrets the settings read when the environment does not give them.

`make run` serves with DEBUG off, so it needs real keys, and nobody to type them: on the first
run `python -m yishi.keys` generates each missing key into the key folder (YISHI_KEY_DIR,
default var/keys/), one file per secret named after its variable (var/keys/YISHI_FIELD_KEYS),
mode 0600 in a 0700 folder. It never overwrites a file: with a lost YISHI_FIELD_KEYS or
YISHI_INDEX_KEY every encrypted field of the database is unreadable, so the folder is backed
up on its own, never beside the database dumps.

No Django import here: this runs before the settings can load (they refuse to start without
keys when DEBUG is off).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Every secret the platform makes for itself, and how a fresh one looks. The formats are the
# settings' own: Django's SECRET_KEY (64 characters, `check --deploy` wants 50 or more), the
# SM4 keys as "id:32 hex" (128 bits, the first encrypts), the HMAC-SM3 blind-index key.
GENERATORS: dict[str, Callable[[], str]] = {
    "YISHI_SECRET_KEY": lambda: secrets.token_urlsafe(48),
    "YISHI_FIELD_KEYS": lambda: f"k1:{secrets.token_hex(16)}",
    "YISHI_INDEX_KEY": lambda: secrets.token_hex(32),
}


def default_key_dir() -> Path:
    """The key folder the settings read: YISHI_KEY_DIR, else <YISHI_VAR_DIR>/keys."""
    var_dir = os.environ.get("YISHI_VAR_DIR") or str(PROJECT_DIR / "var")
    return Path(os.environ.get("YISHI_KEY_DIR") or Path(var_dir) / "keys")


def init_keys(key_dir: Path) -> list[str]:
    """Create the key files missing from key_dir; return the names created.

    A file that exists is left as it is, whatever it holds. Each new file is written under a
    temporary name and then linked into place, so a crash never leaves half a key, and two
    runs at once never both create one.
    """
    if not key_dir.exists():
        key_dir.mkdir(mode=0o700, parents=True)
        key_dir.chmod(0o700)  # mkdir's mode is reduced by the umask; make it exact
    created = []
    for name, generate in GENERATORS.items():
        target = key_dir / name
        if target.exists():
            continue
        temporary = key_dir / f".{name}.{secrets.token_hex(4)}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, (generate() + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temporary, target)  # fails if another run created it meanwhile
        except FileExistsError:
            pass
        else:
            created.append(name)
        finally:
            temporary.unlink()
    return created


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m yishi.keys",
        description="在密钥目录中生成缺少的密钥文件（已有的文件不会被覆盖）。",
    )
    parser.add_argument(
        "--dir", type=Path, default=None, help="密钥目录（默认：YISHI_KEY_DIR 或 var/keys）"
    )
    args = parser.parse_args(argv)
    key_dir = (args.dir or default_key_dir()).resolve()
    created = init_keys(key_dir)
    if created:
        print(f"已在 {key_dir} 生成密钥：{'、'.join(created)}。请将该目录与数据库分开备份。")
    else:
        print(f"密钥目录 {key_dir} 中的密钥齐全，未做改动。")
    loose = key_dir.stat().st_mode & 0o077
    if loose:
        print(f"警告：密钥目录 {key_dir} 允许其他用户访问，建议执行 chmod 700。", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
