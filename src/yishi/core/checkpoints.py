"""Signed audit heads: the anchor the audit chain needs against someone who can write to the
database.

The chain alone (yishi.core.audit) catches an edited entry only while the hashes after it are
left alone; whoever can write to the database can recompute them all. Each day
`audit_checkpoint_sign` (task `sign_audit_head`, command `sign_audit_head`) signs the current
head (last entry id and hash) with the platform's SM2 key and keeps it as an
`AuditCheckpoint`; each backup manifest carries one too, away from the database.
`audit_checkpoints_verify` (run by `verify_audit`) checks every checkpoint's signature and
that the entry it names still carries the hash it signed: a rewritten chain no longer does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from yishi.core import signing
from yishi.core.audit import canonical_json
from yishi.core.crypto import sm3_hex
from yishi.core.models import AuditCheckpoint, AuditEntry

PURPOSE = "yishi-audit-head"


def checkpoint_message(*, entry_id: int, hash: str, signed_at: dt.datetime) -> bytes:
    """The bytes a checkpoint signs: what it anchors, and when, in canonical JSON."""
    return canonical_json(
        {
            "purpose": PURPOSE,
            "entry_id": int(entry_id),
            "hash": hash,
            "signed_at": signed_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        }
    ).encode("utf-8")


def audit_checkpoint_sign(*, now: dt.datetime | None = None) -> AuditCheckpoint | None:
    """Sign the chain's current head and keep it; None when the log is still empty."""
    # The key first: making the platform's first key appends an entry, which the head read
    # after it then covers.
    sign_bytes = signing.signer()
    head = AuditEntry.objects.order_by("-id").values_list("id", "hash").first()
    if head is None:
        return None
    entry_id, head_hash = head
    signed_at = (now or timezone.now()).astimezone(dt.UTC)
    signature = sign_bytes(
        checkpoint_message(entry_id=entry_id, hash=head_hash, signed_at=signed_at)
    )
    return AuditCheckpoint.objects.create(
        entry_id=entry_id,
        hash=head_hash,
        signature=signature.value,
        key_id=signature.key_id,
        signed_at=signed_at,
    )


def checkpoint_as_dict(checkpoint: AuditCheckpoint) -> dict[str, object]:
    """A checkpoint for a backup manifest, with the public key that verifies it."""
    return {
        "entry_id": checkpoint.entry_id,
        "hash": checkpoint.hash,
        "signed_at": checkpoint.signed_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
        "public_key": signing.public_key_pem(checkpoint.key_id),
    }


def _signature_holds(checkpoint: AuditCheckpoint) -> bool:
    message = checkpoint_message(
        entry_id=checkpoint.entry_id, hash=checkpoint.hash, signed_at=checkpoint.signed_at
    )
    return signing.verify(
        message,
        signing.Signature(
            key_id=checkpoint.key_id, digest=sm3_hex(message), value=checkpoint.signature
        ),
    )


@dataclass(frozen=True)
class CheckpointVerification:
    """Outcome of `audit_checkpoints_verify`: one Chinese line per failing checkpoint."""

    checked: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            return (
                f"审计链头签名全部相符：已核对 {self.checked} 个签名的链头。\n"
                f"Audit checkpoints hold: {self.checked} signed heads verified."
            )
        return "\n".join(
            [*self.problems, f"Audit checkpoints FAILED: {len(self.problems)} of {self.checked}."]
        )


def audit_checkpoints_verify(
    checkpoints: list[AuditCheckpoint] | None = None,
) -> CheckpointVerification:
    """Check each checkpoint's signature and that its entry still carries the signed hash."""
    if checkpoints is None:
        checkpoints = list(AuditCheckpoint.objects.order_by("signed_at", "id"))
    hashes = dict(
        AuditEntry.objects.filter(pk__in={c.entry_id for c in checkpoints}).values_list(
            "id", "hash"
        )
    )
    problems = []
    for checkpoint in checkpoints:
        when = timezone.localtime(checkpoint.signed_at).strftime("%Y-%m-%d %H:%M")
        if not _signature_holds(checkpoint):
            problems.append(f"{when} 的审计链头签名无效（签名或签名内容被改动）。")
        elif checkpoint.entry_id not in hashes:
            problems.append(
                f"{when} 签名的链头第 #{checkpoint.entry_id} 条已不存在（审计日志被截断或删除）。"
            )
        elif hashes[checkpoint.entry_id] != checkpoint.hash:
            problems.append(
                f"审计日志与 {when} 签名的链头不符：第 #{checkpoint.entry_id} 条的哈希已改变"
                "（哈希链被改写）。"
            )
    return CheckpointVerification(checked=len(checkpoints), problems=problems)
