"""Backups and restores: the database, the stored files and a manifest that proves both.

A backup folder holds

    database.dump       PostgreSQL: `pg_dump --format=custom` of the configured database
    database.sqlite3    SQLite: a consistent copy through sqlite3's online backup API
    files/<name>        every stored file, walked through the storage (local or S3)
    manifest.json       the SM3 digest of every file above, the time, the applied migrations,
                        the audit chain's head and a checkpoint of it signed with the
                        platform's SM2 key (yishi.core.checkpoints), with its public key

Keys never go beside the data: a destination inside the key folder is refused, and
`backup --keys <dir>` writes them to a folder of their own, which may be neither the data
folder nor inside it (nor hold it). A restore checks every digest before it touches anything,
refuses a target database that holds tables unless forced, restores database and files, then
verifies the audit chain and every signed head, the manifest's included.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from yishi.core import page_cache
from yishi.core.audit import audit_verify
from yishi.core.checkpoints import (
    audit_checkpoint_sign,
    audit_checkpoints_verify,
    checkpoint_as_dict,
)
from yishi.core.models import AuditCheckpoint
from yishi.core.storage import walk

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
_CHUNK = 1024 * 1024
# What `backup --keys` writes, as the key folder names them (yishi.keys).
KEY_NAMES = ("YISHI_SECRET_KEY", "YISHI_FIELD_KEYS", "YISHI_INDEX_KEY")


class BackupError(Exception):
    """A backup or restore refused or failed; the message is for the operator, in Chinese."""


@dataclass(frozen=True)
class BackupResult:
    folder: Path
    files: int
    bytes: int
    head_entry_id: int | None


@dataclass(frozen=True)
class RestoreResult:
    files: int
    audit_entries: int
    checkpoints: int


Say = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


# ---------------------------------------------------------------- helpers


def _sm3_of_stream(stream: Any) -> str:
    digest = hashes.Hash(hashes.SM3())
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.finalize().hex()


def _sm3_of_file(path: Path) -> str:
    with path.open("rb") as fh:
        return _sm3_of_stream(fh)


def _safe_relative(name: str) -> bool:
    """A stored name or manifest entry that stays inside its folder."""
    if not name or name.startswith("/") or "\\" in name:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _pg_env() -> dict[str, str]:
    """libpq's environment for the configured database (no password on a command line)."""
    conf = connection.settings_dict
    env = dict(os.environ)
    for var, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if conf.get(key):
            env[var] = str(conf[key])
    return env


def _run(command: list[str], what: str) -> None:
    binary = shutil.which(command[0])
    if binary is None:
        raise BackupError(f"找不到 {command[0]}：请安装 PostgreSQL 客户端工具（postgresql-client）")
    done = subprocess.run(  # noqa: S603 - a fixed tool, arguments we built
        [binary, *command[1:]], env=_pg_env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{what}失败：{done.stderr.strip()[-2000:]}")


# ---------------------------------------------------------------- backup


def check_destinations(folder: Path, keys: Path | None) -> None:
    """Refuse a data folder inside the key folder, a non-empty one, and a key folder that
    shares anything with the data folder."""
    key_dir = Path(settings.KEY_DIR).resolve()
    folder = folder.resolve()
    if _inside(folder, key_dir):
        raise BackupError(
            f"备份目录 {folder} 位于密钥目录 {key_dir} 之内：密钥不得与数据放在一起，"
            "请换一个备份目录（密钥用 --keys 另行备份）"
        )
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"备份目录 {folder} 已存在且不是空目录：请指定一个新的目录")
    if keys is not None:
        keys = keys.resolve()
        if _inside(keys, folder) or _inside(folder, keys):
            raise BackupError(
                f"密钥备份目录 {keys} 与数据备份目录 {folder} 相同或互相包含："
                "密钥必须与数据分开保存"
            )
        if keys.exists() and (not keys.is_dir() or any(keys.iterdir())):
            raise BackupError(f"密钥备份目录 {keys} 已存在且不是空目录：请指定一个新的目录")


def _dump_database(folder: Path) -> str:
    if connection.vendor == "postgresql":
        target = folder / PG_DUMP
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
            "导出数据库（pg_dump）",
        )
        return PG_DUMP
    if connection.vendor == "sqlite":
        if connection.in_atomic_block:
            # The backup API would wait for ever on the caller's own open transaction.
            raise BackupError("SQLite 数据库只能在事务之外备份")
        connection.ensure_connection()
        copy = sqlite3.connect(folder / SQLITE_COPY)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
        return SQLITE_COPY
    raise BackupError(f"不支持备份 {connection.vendor} 数据库")


def _copy_files(folder: Path, say: Say) -> tuple[int, int]:
    count = size = 0
    for name in walk(default_storage):
        if not _safe_relative(name):
            raise BackupError(f"存储中的文件名不安全，无法备份：{name!r}")
        target = folder / FILES / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, _CHUNK)
        count += 1
        size += target.stat().st_size
        if count % 1000 == 0:
            say(f"已复制 {count} 个文件 / copied {count} files")
    return count, size


def _migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def write_keys(keys: Path) -> list[str]:
    """The platform's keys into their own folder (0700, files 0600): the settings' values,
    named as the key folder names them, and any other file of the key folder (e.g. the
    跨域通办 exchange key). Returns the names written."""
    keys.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys.chmod(0o700)
    values = {
        "YISHI_SECRET_KEY": settings.SECRET_KEY,
        "YISHI_FIELD_KEYS": ",".join(settings.FIELD_KEYS),
        "YISHI_INDEX_KEY": settings.INDEX_KEY,
    }
    key_dir = Path(settings.KEY_DIR)
    if key_dir.is_dir():
        for path in sorted(key_dir.iterdir()):
            if path.is_file() and not path.name.startswith(".") and path.name not in values:
                values[path.name] = path.read_text("utf-8").strip()
    for name, value in values.items():
        fd = os.open(keys / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(value + "\n")
    return sorted(values)


def backup_create(folder: Path, *, keys: Path | None = None, say: Say = _quiet) -> BackupResult:
    """Sign the audit head, dump the database, copy the stored files, write the manifest."""
    check_destinations(folder, keys)
    folder.mkdir(parents=True, exist_ok=True)
    # Signed first, so the dump holds the checkpoint the manifest names.
    checkpoint = audit_checkpoint_sign()
    say("导出数据库 / dumping the database")
    database = _dump_database(folder)
    say("复制存储的文件 / copying the stored files")
    count, size = _copy_files(folder, say)
    digests = {
        path.relative_to(folder).as_posix(): _sm3_of_file(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds"),
        "database": {"vendor": connection.vendor, "file": database},
        "migrations": _migrations(),
        "audit_head": (
            {"entry_id": checkpoint.entry_id, "hash": checkpoint.hash} if checkpoint else None
        ),
        "audit_checkpoint": checkpoint_as_dict(checkpoint) if checkpoint else None,
        "files": digests,
    }
    (folder / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8"
    )
    if keys is not None:
        names = write_keys(keys)
        say(f"密钥已写入 {keys}（{len(names)} 个）/ keys written to {keys}")
    return BackupResult(
        folder=folder,
        files=count,
        bytes=size,
        head_entry_id=checkpoint.entry_id if checkpoint else None,
    )


# ---------------------------------------------------------------- restore


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest, after checking every file's SM3 digest and that nothing was added."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{folder} 不是备份目录：缺少 {MANIFEST}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"备份清单 {path} 已损坏，无法读取") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"备份清单 {path} 的格式不受支持")
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        raise BackupError(f"备份清单 {path} 已损坏：没有文件摘要")
    for name, digest in sorted(listed.items()):
        if not _safe_relative(name):
            raise BackupError(f"备份已被篡改：清单中的文件名不安全（{name!r}），已拒绝恢复")
        item = folder / name
        if not item.is_file():
            raise BackupError(f"备份不完整或已被篡改：缺少文件 {name}，已拒绝恢复")
        if _sm3_of_file(item) != digest:
            raise BackupError(f"备份已被篡改或损坏：文件 {name} 的 SM3 摘要与清单不符，已拒绝恢复")
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {
        MANIFEST
    }
    extra = sorted(present - set(listed))
    if extra:
        raise BackupError(f"备份已被篡改：含有清单未列出的文件 {extra[0]}，已拒绝恢复")
    return manifest


def _restore_database(folder: Path, database: dict[str, str], *, force: bool) -> None:
    vendor, name = database.get("vendor"), database.get("file", "")
    if vendor != connection.vendor:
        raise BackupError(f"备份来自 {vendor} 数据库，不能恢复到 {connection.vendor} 数据库")
    tables = connection.introspection.table_names()
    if tables and not force:
        raise BackupError(
            f"目标数据库不是空的（已有 {len(tables)} 张表）：请恢复到一个新建的空数据库；"
            "确需覆盖时加 --force"
        )
    if vendor == "postgresql":
        if tables:
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        connection.close()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--dbname",
                str(connection.settings_dict["NAME"]),
                str(folder / name),
            ],
            "恢复数据库（pg_restore）",
        )
    else:
        source = sqlite3.connect(folder / name)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    connection.close()


def _restore_files(folder: Path, names: list[str]) -> int:
    for name in names:
        if default_storage.exists(name):
            default_storage.delete(name)
        with (folder / FILES / name).open("rb") as fh:
            saved = default_storage.save(name, File(fh, name=name))
        if saved != name:
            raise BackupError(f"文件 {name} 恢复后的名称变成了 {saved}")
    return len(names)


def backup_restore(folder: Path, *, force: bool = False, say: Say = _quiet) -> RestoreResult:
    """Check the backup, restore database and files, then verify the audit chain."""
    say("校验备份文件的 SM3 摘要 / checking SM3 digests")
    manifest = read_manifest(folder)
    prefix = f"{FILES}/"
    names = sorted(n[len(prefix) :] for n in manifest["files"] if n.startswith(prefix))
    present = walk(default_storage)
    if present and not force:  # refused before the database is touched
        raise BackupError(
            f"目标文件存储不是空的（已有 {len(present)} 个文件）：请恢复到空的存储；"
            "确需覆盖时加 --force"
        )
    say("恢复数据库 / restoring the database")
    _restore_database(folder, manifest["database"], force=force)
    say("恢复文件 / restoring the files")
    files = _restore_files(folder, names)
    page_cache.invalidate()  # pages kept from the database that was there before
    say("校验审计日志 / verifying the audit log")
    chain = audit_verify()
    if not chain.ok:
        raise BackupError(f"恢复完成，但审计日志哈希链校验未通过：{chain.message}")
    checkpoints = audit_checkpoints_verify()
    if not checkpoints.ok:
        raise BackupError("恢复完成，但审计链头签名校验未通过：" + "；".join(checkpoints.problems))
    _check_manifest_checkpoint(manifest.get("audit_checkpoint"))
    return RestoreResult(files=files, audit_entries=chain.checked, checkpoints=checkpoints.checked)


def _check_manifest_checkpoint(signed: dict[str, Any] | None) -> None:
    """The manifest's own copy of the signed head must match the restored log: the database
    and the manifest could not both have been rewritten without the platform's key."""
    if signed is None:
        return
    checkpoint = AuditCheckpoint(
        entry_id=signed["entry_id"],
        hash=signed["hash"],
        signature=signed["signature"],
        key_id=signed["key_id"],
        signed_at=dt.datetime.fromisoformat(signed["signed_at"]),
    )
    result = audit_checkpoints_verify([checkpoint])
    if not result.ok:
        raise BackupError(
            "恢复完成，但与备份清单中签名的审计链头不符：" + "；".join(result.problems)
        )
