from __future__ import annotations

import datetime
import os
import sqlite3
import subprocess
import sys
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from yishi.core.audit import (
    GENESIS_HASH,
    audit_append,
    audit_head,
    audit_verify,
    canonical_json,
    entry_hash,
)
from yishi.core.crypto import sm3_hex
from yishi.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _chain(n: int) -> list[AuditEntry]:
    return [
        audit_append(
            action="matter.publish",
            actor="staff1",
            object_type="matter",
            object_id=f"QR{i:05d}",
            data={"version": i, "note": "发布"},
        )
        for i in range(n)
    ]


def test_first_entry_links_to_64_zeros_and_each_next_to_its_predecessor():
    entries = _chain(3)
    assert entries[0].prev_hash == GENESIS_HASH == "0" * 64
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    assert audit_head() == entries[2].hash


def test_hash_is_sm3_of_prev_hash_and_canonical_row_with_utc_time():
    entry = audit_append(action="person.lookup", actor="staff1", data={"b": 1, "a": "甲"})
    entry.refresh_from_db()
    at = entry.at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    body = (
        '{"action":"person.lookup","actor":"staff1","at":"' + at + '",'
        '"data":{"a":"甲","b":1},"object_id":"","object_type":""}'
    )
    assert entry.hash == sm3_hex(GENESIS_HASH + body)
    assert at.endswith("+00:00")


def test_intact_chain_verifies():
    _chain(5)
    result = audit_verify()
    assert (result.ok, result.checked, result.broken_id) == (True, 5, None)
    assert result.head == audit_head()


def test_empty_log_verifies():
    result = audit_verify()
    assert (result.ok, result.checked, result.head) == (True, 0, GENESIS_HASH)


def test_data_with_dates_and_decimals_is_hashed_as_stored():
    audit_append(
        action="fee.paid", data={"on": datetime.date(2026, 11, 28), "amount": Decimal("12.50")}
    )
    entry = AuditEntry.objects.get()
    assert entry.data == {"on": "2026-11-28", "amount": "12.50"}
    assert audit_verify().ok


def test_user_actor_is_recorded_by_username(django_user_model):
    user = django_user_model.objects.create_user(username="clerk7", password="x-Long-pass-123")
    assert audit_append(action="x", actor=user).actor == "clerk7"


def test_edited_data_is_detected_at_the_edited_entry():
    entries = _chain(4)
    AuditEntry.objects.filter(pk=entries[2].pk).update(data={"version": 99, "note": "发布"})
    result = audit_verify()
    assert (result.ok, result.broken_id, result.reason, result.checked) == (
        False,
        entries[2].pk,
        "edited",
        2,
    )
    assert "篡改" in result.message


def test_edited_time_is_detected():
    entries = _chain(2)
    AuditEntry.objects.filter(pk=entries[0].pk).update(
        at=entries[0].at - datetime.timedelta(seconds=1)
    )
    assert audit_verify().broken_id == entries[0].pk


def test_rehashed_edit_is_still_detected_by_the_next_entry():
    entries = _chain(3)
    forged = entry_hash(
        prev_hash=entries[1].prev_hash,
        at=entries[1].at,
        actor=entries[1].actor,
        action=entries[1].action,
        object_type=entries[1].object_type,
        object_id=entries[1].object_id,
        data={"version": 7},
    )
    AuditEntry.objects.filter(pk=entries[1].pk).update(data={"version": 7}, hash=forged)
    result = audit_verify()
    assert (result.broken_id, result.reason) == (entries[2].pk, "unlinked")


def test_deleted_middle_entry_is_detected_at_the_entry_after_it():
    entries = _chain(5)
    AuditEntry.objects.filter(pk=entries[2].pk).delete()
    result = audit_verify()
    assert (result.ok, result.broken_id, result.reason) == (False, entries[3].pk, "unlinked")
    assert "删除" in result.message


def test_reordered_entries_are_detected():
    entries = _chain(4)
    a, b = entries[1], entries[2]
    fields = ["at", "actor", "action", "object_type", "object_id", "data", "prev_hash", "hash"]
    values_a = {f: getattr(a, f) for f in fields}
    values_b = {f: getattr(b, f) for f in fields}
    # hash and prev_hash are unique: park one row's values while swapping
    AuditEntry.objects.filter(pk=a.pk).update(hash="x" * 64, prev_hash="y" * 64)
    AuditEntry.objects.filter(pk=b.pk).update(**values_a)
    AuditEntry.objects.filter(pk=a.pk).update(**values_b)
    result = audit_verify()
    assert (result.ok, result.broken_id, result.reason) == (False, a.pk, "unlinked")


def test_verify_audit_command_reports_an_intact_chain(capsys):
    _chain(3)
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "审计日志哈希链完整：已校验 3 条" in out
    assert "Audit chain intact: 3 entries verified" in out


def test_verify_audit_command_fails_on_a_broken_chain(capsys):
    entries = _chain(3)
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit")
    assert exc.value.returncode == 1
    assert f"Audit chain BROKEN at entry #{entries[2].pk}" in str(exc.value)


@pytest.mark.django_db(False)
def test_verify_audit_exit_status_from_the_command_line(tmp_path):
    # A real process on its own SQLite file: the exit status cron and CI would see.
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'audit.sqlite3'}",
        "YISHI_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "yishi.settings",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "yishi", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    setup = (
        "from django.core.management import call_command; call_command('migrate', 'core', "
        "verbosity=0); from yishi.core.audit import audit_append as a; "
        "[a(action='t', data={'i': i}) for i in range(3)]"
    )
    assert run("shell", "-c", setup).returncode == 0
    ok = run("verify_audit")
    assert (ok.returncode, "Audit chain intact: 3 entries verified" in ok.stdout) == (0, True)
    with sqlite3.connect(tmp_path / "audit.sqlite3") as db:
        db.execute("UPDATE core_auditentry SET data = '{\"i\": 9}' WHERE id = 2")
    broken = run("verify_audit")
    assert broken.returncode == 1
    assert "Audit chain BROKEN at entry #2" in broken.stderr


def test_canonical_json_is_sorted_compact_and_keeps_chinese():
    assert canonical_json({"b": [1, 2], "a": "梁子湖"}) == '{"a":"梁子湖","b":[1,2]}'


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chain():
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(10):
                audit_append(action="race", object_id=f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = audit_verify()
    assert (result.ok, result.checked) == (True, 80)
    assert AuditEntry.objects.values("prev_hash").distinct().count() == 80


def test_admin_shows_the_audit_log_but_cannot_add_change_or_delete(admin_client):
    entry = audit_append(action="matter.publish", object_type="matter", object_id="QR00001")
    listing = admin_client.get("/admin/core/auditentry/?action=matter.publish")
    assert listing.status_code == 200
    assert "QR00001" in listing.content.decode()
    assert admin_client.get("/admin/core/auditentry/add/").status_code == 403
    assert admin_client.get(f"/admin/core/auditentry/{entry.pk}/delete/").status_code == 403
    detail = admin_client.get(f"/admin/core/auditentry/{entry.pk}/change/")
    assert detail.status_code == 200
    assert 'name="action"' not in detail.content.decode()
    admin_client.post(f"/admin/core/auditentry/{entry.pk}/change/", {"action": "forged"})
    entry.refresh_from_db()
    assert entry.action == "matter.publish"
    assert audit_verify().ok
