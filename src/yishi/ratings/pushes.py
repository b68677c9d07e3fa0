"""Documents pushed to the provincial 好差评 system through the outbox, one JSON document per
rating and per follow-up step, in our own schema (docs/ratings/push.md and
docs/ratings/push.schema.json): the province's format is not public. `rating_document` and
`followup_document` are the one mapping layer: replace them when the province's format is
known. Call the push functions inside the transaction of the change they report."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from yishi.core.models import OutboxMessage
from yishi.core.outbox import outbox_enqueue
from yishi.ratings import conf
from yishi.ratings.models import FollowUp, Rating

TOPIC_RATING = "ratings.rating"
TOPIC_FOLLOWUP = "ratings.followup"
SCHEMA_RATING = "yishi.ratings.rating/1"
SCHEMA_FOLLOWUP = "yishi.ratings.followup/1"
FOLLOWUP_EVENTS = (
    "opened",
    "visited",
    "rectified",
    "explained",
    "appealed",
    "appeal_upheld",
    "appeal_rejected",
)


def _department(obj: Any) -> dict[str, str] | None:
    d = obj.department
    return {"code": d.code, "name": d.name} if d is not None else None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def rating_document(rating: Rating, *, with_comment: bool = True) -> dict[str, Any]:
    """A rating as the provincial system receives it. No name, phone or ID number; the
    comment (free text that may hold personal data) only to a real receiver, never to the
    log adapter."""
    outlet = rating.outlet
    return {
        "schema": SCHEMA_RATING,
        "document_id": f"yishi-rating-{rating.pk}",
        "rating_id": rating.pk,
        "rated_at": rating.created_at.isoformat(),
        "target": {"kind": rating.kind, "ref": rating.target_ref},
        "stage": rating.stage,
        "level": rating.level,
        "level_label": rating.get_level_display(),
        "poor": rating.poor,
        "indicator_set": {
            "channel": rating.indicator_set.channel,
            "version": rating.indicator_set.version,
        },
        "failed_indicators": list(rating.failed_indicators),
        "comment": rating.comment if with_comment else "",
        "source": rating.source,
        "department": _department(rating),
        "outlet": {"code": outlet.code, "name": outlet.name} if outlet is not None else None,
        "matter_code": (
            rating.application.matter.code
            if rating.application_id and rating.application.matter_id
            else None
        ),
    }


def followup_document(followup: FollowUp, event: str, *, with_text: bool = True) -> dict[str, Any]:
    """One step of a 差评's follow-up. The visit outcome and the measures taken are free
    text that may name the person: sent to a real receiver, never to the log adapter."""
    return {
        "schema": SCHEMA_FOLLOWUP,
        "document_id": f"yishi-rating-followup-{followup.pk}-{event}",
        "followup_id": followup.pk,
        "rating_id": followup.rating_id,
        "rating_document_id": f"yishi-rating-{followup.rating_id}",
        "event": event,
        "occurred_at": timezone.now().isoformat(),
        "status": followup.status,
        "department": _department(followup),
        "visit_due_on": followup.visit_due_on.isoformat(),
        "due_on": followup.due_on.isoformat(),
        "visited_at": _iso(followup.visited_at),
        "visit_outcome": followup.visit_outcome if with_text else "",
        "action": followup.action or None,
        "action_note": followup.action_note if with_text else "",
        "handled_on": _iso(followup.handled_on),
        "appeal_upheld": followup.appeal_upheld,
        "excluded": bool(followup.appeal_upheld),
    }


def push_rating(rating: Rating) -> OutboxMessage:
    destination = conf.push_destination()
    return outbox_enqueue(
        topic=TOPIC_RATING,
        destination=destination,
        payload=rating_document(rating, with_comment=destination != "log"),
    )


def push_followup(followup: FollowUp, event: str) -> OutboxMessage:
    destination = conf.push_destination()
    return outbox_enqueue(
        topic=TOPIC_FOLLOWUP,
        destination=destination,
        payload=followup_document(followup, event, with_text=destination != "log"),
    )
