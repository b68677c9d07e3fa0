"""Documents pushed to the provincial credit platform through the outbox, one JSON document
per event, each valid against its schema in yishi.credit.schemas. Call these inside the
transaction of the change they report."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from yishi.core.models import OutboxMessage
from yishi.core.outbox import outbox_enqueue
from yishi.credit.models import Commitment, CreditRecord, CreditRepair

TOPIC_SIGNED = "credit.commitment.signed"
TOPIC_KEPT = "credit.commitment.kept"
TOPIC_BROKEN = "credit.commitment.broken"
TOPIC_PENALTY = "credit.penalty"
TOPIC_REPAIR = "credit.repair"


def destination() -> str:
    # "log" (no name) is the outbox's development adapter; production sets "http:credit".
    return getattr(settings, "YISHI_CREDIT_PUSH_DESTINATION", "log")


def subject_document(obj: Any) -> dict[str, str]:
    """The subject as the credit platform identifies it, with the real code (masked in logs
    by the outbox because the key is "id_number")."""
    if obj.company_id:
        return {"type": "company", "name": obj.company.name, "id_number": obj.company.uscc}
    return {"type": "person", "name": obj.person.name, "id_number": obj.person.id_number}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def commitment_document(commitment: Commitment, event: str) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": "yishi.credit.commitment/1",
        "document_id": f"yishi-commitment-{commitment.pk}-{event}",
        "event": event,
        "occurred_at": timezone.now().isoformat(),
        "subject": subject_document(commitment),
        "application": commitment.application.number,
        "kind": commitment.kind,
        "status": commitment.status,
        "signed_at": commitment.signed_at.isoformat(),
        "signer_role": commitment.signer_role,
        "text_sm3": commitment.digest,
        "signature": dict(commitment.signature),
        "items": [
            {
                "matter_code": item.matter.code,
                "matter": item.matter.name,
                "material": item.name,
                "kind": item.kind,
                "due": _iso(item.due),
                "fulfilled_at": _iso(item.fulfilled_at),
            }
            for item in commitment.items.select_related("matter").order_by("id")
        ],
    }
    if event == "broken":
        doc["broken_reason"] = commitment.broken_reason
    return doc


_COMMITMENT_TOPICS = {"signed": TOPIC_SIGNED, "kept": TOPIC_KEPT, "broken": TOPIC_BROKEN}


def push_commitment(commitment: Commitment, event: str) -> OutboxMessage:
    return outbox_enqueue(
        topic=_COMMITMENT_TOPICS[event],
        destination=destination(),
        payload=commitment_document(commitment, event),
        # signed → kept / broken: the credit platform sees a commitment's story in order.
        ordering_key=f"commitment:{commitment.pk}",
    )


def record_document(record: CreditRecord) -> dict[str, Any]:
    return {
        "schema": "yishi.credit.record/1",
        "document_id": f"yishi-credit-record-{record.pk}",
        "record_kind": record.kind,
        "subject": subject_document(record),
        "reason": record.reason,
        "occurred_on": record.occurred_on.isoformat(),
        "application": record.application.number if record.application_id else None,
        "source": f"{record.source_type}:{record.source_id}" if record.source_type else "",
    }


def push_penalty(record: CreditRecord) -> OutboxMessage:
    return outbox_enqueue(
        topic=TOPIC_PENALTY, destination=destination(), payload=record_document(record)
    )


def repair_document(repair: CreditRepair, repaired: list[CreditRecord], lifted: int) -> dict:
    return {
        "schema": "yishi.credit.repair/1",
        "document_id": f"yishi-credit-repair-{repair.pk}",
        "subject": subject_document(repair),
        "decided_on": timezone.localdate(repair.decided_at).isoformat(),
        "statement": repair.statement,
        "repaired_records": [
            {
                "document_id": f"yishi-credit-record-{r.pk}",
                "record_kind": r.kind,
                "occurred_on": r.occurred_on.isoformat(),
            }
            for r in repaired
        ],
        "blacklist_lifted": lifted,
    }


def push_repair(repair: CreditRepair, repaired: list[CreditRecord], lifted: int) -> OutboxMessage:
    return outbox_enqueue(
        topic=TOPIC_REPAIR,
        destination=destination(),
        payload=repair_document(repair, repaired, lifted),
    )
