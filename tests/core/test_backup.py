"""Backups and restores: a generated history with files restores into an EMPTY database and an
empty store, where every application, sub-case, file digest and the audit chain (with its
signed heads) check out; a tampered backup, a non-empty target and keys beside the data are
refused with a clear Chinese message."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from tests.core.upload_samples import jpeg_bytes, pdf_bytes, png_bytes
from tests.stats.conftest import UNTIL, make_catalog
from yishi.core.audit import audit_append
from yishi.core.backup import BackupError, backup_create, read_manifest
from yishi.core.crypto import sm3_hex
from yishi.core.models import AuditCheckpoint, AuditEntry, StoredFile
from yishi.core.uploads import store_upload, unseal

SRC = Path(__file__).resolve().parents[2] / "src"
PG = connection.vendor == "postgresql"

# What must come back identical, table by table (ordered, so the rows compare one to one).
TABLES = {
    "cases_application": "id, number, status, person_id, theme_id, submitted_at",
    "cases_subcase": "id, application_id, matter_id, status, decided_at",
    "core_storedfile": "id, sm3, size, file",
    "core_auditentry": "id, hash, prev_hash",
    "core_auditcheckpoint": "id, entry_id, hash, signature",
    "licences_licence": "id, number",
}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m yishi ...` in a process of its own, on the database and store `env` names."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "yishi", *args],
        env={**os.environ, "PYTHONPATH": str(SRC), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _some_files() -> list[StoredFile]:
    default_storage.save("hall/photos/entrance.png", ContentFile(png_bytes(3, 2)))
    return [
        store_upload(name="户口本.png", data=png_bytes()),
        store_upload(name="申请书.pdf", data=pdf_bytes("Form A")),
        store_upload(name="照片.jpg", data=jpeg_bytes()),
    ]


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))


# ---------------------------------------------------------------- PostgreSQL, S3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_generated_history_restores_into_an_empty_database_and_store(
    s3_storage, s3_endpoint, tmp_path
):
    make_catalog()
    call_command(
        "generate_history", "--applications", "200", "--days", "30", "--until", UNTIL.isoformat()
    )
    audit_append(action="backup.test", data={"step": "before"})
    files = _some_files()

    result = backup_create(tmp_path / "backup", keys=tmp_path / "keys")
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text("utf-8"))
    assert result.files == 4
    assert manifest["database"] == {"vendor": "postgresql", "file": "database.dump"}
    applied = MigrationRecorder(connection).applied_migrations()
    assert set(manifest["migrations"]["core"]) == {name for app, name in applied if app == "core"}
    head = AuditEntry.objects.order_by("-id").first()
    assert manifest["audit_head"] == {"entry_id": head.pk, "hash": head.hash}
    assert manifest["audit_checkpoint"]["signature"] == AuditCheckpoint.objects.get().signature
    for stored in files:
        # The manifest proves the stored (sealed) bytes; the plaintext behind them is the
        # upload's own.
        with default_storage.open(stored.file.name, "rb") as handle:
            sealed = handle.read()
        assert manifest["files"][f"files/{stored.file.name}"] == sm3_hex(sealed)
        assert sm3_hex(unseal(stored.file.name, sealed)) == stored.sm3
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == [
        "YISHI_FIELD_KEYS",
        "YISHI_INDEX_KEY",
        "YISHI_SECRET_KEY",
    ]
    assert not any("KEY" in name for name in manifest["files"])

    # A fresh, empty database of our prefix and an empty bucket.
    source = connection.settings_dict["NAME"]
    target = source.removeprefix("test_") + "_restored"
    admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{target}"')
    bucket = f"{s3_storage.bucket}-restored"
    s3_storage.client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "cn-north-1"}
    )
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{target}",
        "YISHI_STORAGE_URL": s3_storage.url.replace(s3_storage.bucket, bucket),
    }
    try:
        restored = _run(env, "restore", str(tmp_path / "backup"))
        assert restored.returncode == 0, restored.stderr
        entries = AuditEntry.objects.count()
        assert f"审计日志 {entries} 条校验通过，1 个链头签名相符" in restored.stdout

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{target}") as copy:
            for table, columns in TABLES.items():
                query = f"SELECT {columns} FROM {table} ORDER BY id"  # noqa: S608
                with connection.cursor() as cursor:
                    cursor.execute(query)
                    expected = cursor.fetchall()
                assert copy.execute(query).fetchall() == expected, table
            assert copy.execute("SELECT count(*) FROM cases_application").fetchone()[0] == 200
        # Every file is back in the new bucket with its digest.
        objects = {
            o["Key"]: o for o in s3_storage.client.list_objects_v2(Bucket=bucket)["Contents"]
        }
        assert sorted(objects) == sorted(
            [*(f.file.name for f in files), "hall/photos/entrance.png"]
        )
        for stored in files:
            body = s3_storage.client.get_object(Bucket=bucket, Key=stored.file.name)["Body"]
            assert sm3_hex(unseal(stored.file.name, body.read())) == stored.sm3
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        admin.close()


# ---------------------------------------------------------------- SQLite


@pytest.mark.skipif(PG, reason="SQLite's own round trip; the PostgreSQL pass runs pg_dump's")
@pytest.mark.django_db(transaction=True)
def test_a_sqlite_backup_restores_into_an_empty_database_file(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    audit_append(action="backup.test", data={"step": "before"})
    files = _some_files()
    backup_create(tmp_path / "backup")
    copy = sqlite3.connect(tmp_path / "backup" / "database.sqlite3")
    assert copy.execute("SELECT count(*) FROM core_storedfile").fetchone()[0] == 3
    copy.close()

    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'restored' / 'db.sqlite3'}",
        "YISHI_VAR_DIR": str(tmp_path / "restored"),
    }
    (tmp_path / "restored").mkdir()
    restored = _run(env, "restore", str(tmp_path / "backup"))
    assert restored.returncode == 0, restored.stderr
    assert "1 个链头签名相符" in restored.stdout
    for stored in files:
        path = tmp_path / "restored" / "media" / stored.file.name
        assert sm3_hex(unseal(stored.file.name, path.read_bytes())) == stored.sm3
    with sqlite3.connect(tmp_path / "restored" / "db.sqlite3") as db:
        rows = db.execute("SELECT id, sm3 FROM core_storedfile ORDER BY id").fetchall()
    assert rows == [(f.pk, f.sm3) for f in files]


# ---------------------------------------------------------------- refusals


@pytest.mark.django_db(transaction=True)
def test_a_tampered_backup_is_refused_before_anything_is_restored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    stored = _some_files()[0]
    backup_create(tmp_path / "backup")
    read_manifest(tmp_path / "backup")  # intact

    _flip_a_byte(tmp_path / "backup" / "files" / stored.file.name)
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(tmp_path / "backup"))
    assert str(caught.value) == (
        f"备份已被篡改或损坏：文件 files/{stored.file.name} 的 SM3 摘要与清单不符，已拒绝恢复"
    )
    (tmp_path / "backup" / "files" / stored.file.name).unlink()
    with pytest.raises(BackupError, match="缺少文件"):
        read_manifest(tmp_path / "backup")
    shutil.copy(tmp_path / "backup" / "manifest.json", tmp_path / "backup" / "extra.txt")
    with pytest.raises(BackupError, match="缺少文件|清单未列出"):
        read_manifest(tmp_path / "backup")


@pytest.mark.django_db(transaction=True)
def test_a_non_empty_target_is_refused_without_force(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    audit_append(action="backup.test")
    backup_create(tmp_path / "backup")
    settings.MEDIA_ROOT = tmp_path / "empty-media"
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(tmp_path / "backup"))
    assert "目标数据库不是空的" in str(caught.value) and "--force" in str(caught.value)
    assert AuditEntry.objects.filter(action="backup.test").exists()


@pytest.mark.django_db
def test_keys_never_go_beside_the_data(settings, tmp_path):
    settings.KEY_DIR = tmp_path / "keys"
    settings.KEY_DIR.mkdir()
    with pytest.raises(CommandError) as caught:
        call_command("backup", str(tmp_path / "keys" / "daily"))
    assert "位于密钥目录" in str(caught.value) and "密钥不得与数据放在一起" in str(caught.value)
    for keys in (tmp_path / "data", tmp_path / "data" / "keys"):
        with pytest.raises(BackupError, match="相同或互相包含"):
            backup_create(tmp_path / "data", keys=keys)
    with pytest.raises(BackupError, match="相同或互相包含"):
        backup_create(tmp_path / "keys2" / "data", keys=tmp_path / "keys2")
    assert not (tmp_path / "data").exists() and not (tmp_path / "keys" / "daily").exists()
