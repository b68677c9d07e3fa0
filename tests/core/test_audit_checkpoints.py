"""Signed audit heads: a chain rewritten by someone with database access (an entry changed and
every hash after it recomputed) passes the plain chain check but no longer matches the head
the platform signed; a forged checkpoint or a truncated log is reported too."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yishi.core.audit import audit_append, audit_verify, entry_hash
from yishi.core.checkpoints import audit_checkpoint_sign, audit_checkpoints_verify
from yishi.core.models import AuditCheckpoint, AuditEntry
from yishi.core.tasks import sign_audit_head

pytestmark = pytest.mark.django_db


def _chain(n: int) -> list[AuditEntry]:
    return [
        audit_append(action="cases.accept", actor="clerk", object_type="case", object_id=i)
        for i in range(n)
    ]


def _rewrite_from(entry: AuditEntry, data: dict) -> None:
    """What an intruder with database access does: change one entry and reseal the rest."""
    prev = entry.prev_hash
    for row in AuditEntry.objects.filter(pk__gte=entry.pk).order_by("id"):
        if row.pk == entry.pk:
            row.data = data
        digest = entry_hash(
            prev_hash=prev,
            at=row.at,
            actor=row.actor,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            data=row.data,
        )
        AuditEntry.objects.filter(pk=row.pk).update(prev_hash=prev, hash=digest, data=row.data)
        prev = digest


def test_a_signed_head_verifies_and_names_the_last_entry():
    entries = _chain(3)
    checkpoint = audit_checkpoint_sign()
    head = AuditEntry.objects.order_by("-id").first()
    assert head.pk > entries[-1].pk  # the platform key's creation, made before the head is read
    assert head.action == "signing_key.create"
    assert (checkpoint.entry_id, checkpoint.hash) == (head.pk, head.hash)
    result = audit_checkpoints_verify()
    assert (result.ok, result.checked) == (True, 1)


def test_a_rewritten_chain_passes_the_chain_check_but_not_the_signed_head(capsys):
    entries = _chain(4)
    audit_checkpoint_sign()
    _chain(2)  # later entries, after the checkpoint
    _rewrite_from(entries[1], {"note": "改写"})
    assert audit_verify().ok  # the hashes were recomputed: the plain chain check is fooled
    result = audit_checkpoints_verify()
    checkpoint = AuditCheckpoint.objects.get()
    assert not result.ok
    assert result.problems == [
        f"审计日志与 {_local(checkpoint)} 签名的链头不符：第 #{checkpoint.entry_id} 条的哈希已改变"
        "（哈希链被改写）。"
    ]
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit")
    assert caught.value.returncode == 1
    assert "哈希链被改写" in str(caught.value)


def test_a_checkpoint_moved_onto_the_rewritten_head_fails_its_signature():
    entries = _chain(3)
    checkpoint = audit_checkpoint_sign()
    _rewrite_from(entries[0], {"note": "改写"})
    AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(
        hash=AuditEntry.objects.get(pk=checkpoint.entry_id).hash
    )
    assert audit_checkpoints_verify().problems == [
        f"{_local(checkpoint)} 的审计链头签名无效（签名或签名内容被改动）。"
    ]


def test_a_truncated_log_is_reported():
    _chain(3)
    checkpoint = audit_checkpoint_sign()
    AuditEntry.objects.filter(pk__gte=checkpoint.entry_id).delete()
    assert audit_verify().ok  # a cut tail leaves a valid chain
    assert "已不存在（审计日志被截断或删除）" in audit_checkpoints_verify().problems[0]


def test_the_task_and_the_command_sign_the_head(capsys):
    _chain(2)
    first = sign_audit_head.call()
    call_command("sign_audit_head")
    assert "已签名审计链头" in capsys.readouterr().out
    assert AuditCheckpoint.objects.count() == 2
    assert first["entry_id"] == AuditCheckpoint.objects.order_by("signed_at").first().entry_id
    call_command("verify_audit")
    assert "审计链头签名全部相符：已核对 2 个签名的链头" in capsys.readouterr().out


def _local(checkpoint: AuditCheckpoint) -> str:
    from django.utils import timezone

    return timezone.localtime(checkpoint.signed_at).strftime("%Y-%m-%d %H:%M")
