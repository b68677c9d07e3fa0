"""The audit log: an append-only chain of entries, each sealed with SM3 over its predecessor.

    hash = SM3(prev_hash + canonical JSON of {action, actor, at, data, object_id, object_type})

`at` enters the JSON as UTC ISO 8601 with microseconds; the first entry's prev_hash is 64
zeros. Editing, deleting, inserting or reordering any entry breaks the chain at that entry,
and `audit_verify` (command `verify_audit`) finds it. Truncating the tail cannot be seen from
the chain alone: publish `audit_head()` somewhere else now and then to anchor it.
"""

from __future__ import annotations

import datetime
import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from yishi.core import rows
from yishi.core.crypto import sm3_hex
from yishi.core.models import AuditEntry

GENESIS_HASH = "0" * 64
# Key of the PostgreSQL transaction-level advisory lock that serialises appends
# (an arbitrary constant: "yishi" "au" in ASCII).
_PG_LOCK_KEY = 0x7969736869_6175


def _utc_iso(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def canonical_json(value: Any) -> str:
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder
    )


def entry_hash(
    *,
    prev_hash: str,
    at: datetime.datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    data: Any,
) -> str:
    """The SM3 seal of one entry, given its predecessor's hash."""
    body = canonical_json(
        {
            "action": action,
            "actor": actor,
            "at": _utc_iso(at),
            "data": data,
            "object_id": object_id,
            "object_type": object_type,
        }
    )
    return sm3_hex(prev_hash + body)


def _hash_of(entry: AuditEntry) -> str:
    return entry_hash(
        prev_hash=entry.prev_hash,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        data=entry.data,
    )


def _actor_name(actor: object) -> str:
    if actor is None:
        return ""
    get_username = getattr(actor, "get_username", None)
    if callable(get_username):
        return str(get_username())
    return str(actor)


def _lock_chain_head() -> str:
    """Take the append lock and return the current head hash.

    SQLite: the settings open every transaction with BEGIN IMMEDIATE, so the write lock is
    already ours. PostgreSQL: a transaction-level advisory lock, which also covers the empty
    table (there is no last row to lock yet). Other databases: lock the last row, re-checked.
    """
    if connection.vendor == "postgresql":
        # Inside `rows.deferring()` the lock travels with the head's read, in one round trip.
        rows.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        # A statement of its own: its snapshot is taken after the lock is ours.
        last = rows.scalar(_HEAD_SQL)
    elif connection.features.has_select_for_update:
        # Locking the last row is not enough by itself: a waiter wakes up holding a row that
        # is no longer the last. Re-read until two locking reads agree. (An empty table has
        # no row to lock; SQLite and PostgreSQL, the supported databases, do not come here.)
        last, seen = None, object()
        while last != seen:
            seen = last
            last = (
                AuditEntry.objects.select_for_update(no_key=True)
                .order_by("-id")
                .values_list("hash", flat=True)
                .first()
            )
    else:
        last = rows.scalar(_HEAD_SQL)
    return last or GENESIS_HASH


_HEAD_SQL = 'SELECT "hash" FROM "core_auditentry" ORDER BY "id" DESC LIMIT 1'

_pending = threading.local()  # Django's connections are per thread, so is a batch


def audit_append(
    *,
    action: str,
    actor: object = "",
    object_type: str = "",
    object_id: object = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """Append one entry to the chain, in the caller's transaction (or its own), and return
    it; inside `audit_batch()` the entry is written when the batch closes, together with the
    batch's other entries, and None is returned. `data` must be JSON-serialisable (dates and decimals become
    strings) and must never hold an unmasked ID number or phone number. `actor` may be a
    user or a name.
    """
    # What is hashed must be exactly what the JSON column gives back on reading.
    fields = {
        "at": timezone.now(),
        "actor": _actor_name(actor)[:150],
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id)[:100],
        "data": json.loads(canonical_json(data or {})),
    }
    batch = getattr(_pending, "entries", None)
    if batch is not None:
        batch.append(fields)
        return None
    return _write([fields])[0]


def _write(entries: list[dict[str, Any]], *, keys: bool = True) -> list[AuditEntry]:
    # No savepoint of its own: a failure here fails the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        prev_hash = _lock_chain_head()
        new = []
        for fields in entries:
            digest = entry_hash(prev_hash=prev_hash, **fields)
            new.append(AuditEntry(prev_hash=prev_hash, hash=digest, **fields))
            prev_hash = digest
        # One multi-row INSERT: PostgreSQL and SQLite assign the ids in row order.
        return list(rows.insert(new, keys=keys))


@contextmanager
def audit_batch() -> Iterator[None]:
    """Collect the entries appended inside the block and write them when it ends, in one
    insert. Use it as the innermost context of a service's transaction
    (`with transaction.atomic(), audit_batch():`): the chain lock is then taken just before
    the commit and held for the insert and the commit only, instead of from the first
    change to the end. An exception leaving the block writes nothing (the transaction rolls
    back anyway); a nested batch joins the outer one.
    """
    if getattr(_pending, "entries", None) is not None:
        yield
        return
    _pending.entries = []
    try:
        yield
        entries, _pending.entries = _pending.entries, None
        if entries:
            _write(entries, keys=False)  # nobody sees these instances
    finally:
        _pending.entries = None


def audit_head() -> str:
    """The hash of the newest entry (GENESIS_HASH for an empty log): publish it to anchor."""
    return rows.scalar(_HEAD_SQL) or GENESIS_HASH


@dataclass(frozen=True)
class AuditVerification:
    """Outcome of `audit_verify`: `broken_id` is the first entry that fails, if any."""

    ok: bool
    checked: int
    head: str
    broken_id: int | None = None
    reason: str = ""  # "edited" | "unlinked"
    message: str = ""

    def summary(self) -> str:
        if self.ok:
            return (
                f"审计日志哈希链完整：已校验 {self.checked} 条，链头 {self.head}。\n"
                f"Audit chain intact: {self.checked} entries verified, head {self.head}."
            )
        return f"{self.message}\n{_ENGLISH[self.reason].format(id=self.broken_id)}"


_ENGLISH = {
    "edited": "Audit chain BROKEN at entry #{id}: its content does not match its hash "
    "(the entry was edited).",
    "unlinked": "Audit chain BROKEN at entry #{id}: its prev_hash does not match the entry "
    "before it (an entry was deleted, inserted or reordered).",
}


def audit_verify(entries: Iterable[AuditEntry] | None = None) -> AuditVerification:
    """Walk the chain in id order and report the first entry that is edited or unlinked."""
    if entries is None:
        entries = AuditEntry.objects.order_by("id").iterator(chunk_size=2000)
    expected_prev = GENESIS_HASH
    checked = 0
    for entry in entries:
        if entry.prev_hash != expected_prev:
            return AuditVerification(
                ok=False,
                checked=checked,
                head=expected_prev,
                broken_id=entry.pk,
                reason="unlinked",
                message=(
                    f"审计日志哈希链断裂：第 #{entry.pk} 条的“前一条哈希”与前一条记录不符"
                    "（有记录被删除、插入或调换顺序）。"
                ),
            )
        if _hash_of(entry) != entry.hash:
            return AuditVerification(
                ok=False,
                checked=checked,
                head=expected_prev,
                broken_id=entry.pk,
                reason="edited",
                message=f"审计日志哈希链断裂：第 #{entry.pk} 条的内容与其哈希不符（记录被篡改）。",
            )
        expected_prev = entry.hash
        checked += 1
    return AuditVerification(ok=True, checked=checked, head=expected_prev)
