"""Ratings and follow-up steps reach a live HTTP receiver through the outbox: the receiver
refuses the first request, and after retries every document arrives once, valid against the
documented schema (docs/ratings/push.schema.json)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from tests.credit.test_pushes_receiver import Receiver
from tests.ratings.factories import completed, lead, served_ticket
from yishi.core.models import OutboxMessage
from yishi.core.outbox import outbox_deliver_due
from yishi.credit.schemas import schema_errors
from yishi.ratings import services

pytestmark = pytest.mark.django_db
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs/ratings/push.schema.json").read_text("utf-8")
)
DEFS = {
    "ratings.rating": SCHEMA["$defs"]["rating"],
    "ratings.followup": SCHEMA["$defs"]["followup"],
}


@pytest.fixture
def receiver(settings):
    with Receiver(fail_first=1) as r:
        settings.OUTBOX_ENDPOINTS = {
            "province_ratings": {"url": r.url, "secret": "s", "timeout": 5}
        }
        settings.YISHI_RATING_PUSH_DESTINATION = "http:province_ratings"
        settings.OUTBOX_BACKOFF_SECONDS = 30
        settings.OUTBOX_MAX_ATTEMPTS = 5
        yield r


def test_every_rating_and_step_arrives_once_after_a_failure(receiver, applicant):
    app = completed(applicant)
    rating = services.rating_submit(
        target=services.application_target(app),
        stage="complete",
        level=2,
        indicators=["办事效率"],
        comment="窗口让我跑了两次",
        user=applicant.user,
    )
    services.rating_submit(target=services.ticket_target(served_ticket()), stage="service", level=5)
    boss = lead(rating.department)
    services.followup_visit(followup=rating.followup, staff=boss.user, outcome="已回访")
    services.followup_handle(
        followup=rating.followup, staff=boss.user, action="immediate", note="已整改"
    )
    produced = {
        str(m.delivery_id): m
        for m in OutboxMessage.objects.filter(destination="http:province_ratings")
    }
    assert len(produced) == 5  # two ratings; opened, visited, rectified

    now = timezone.now()
    for _ in range(6):
        outbox_deliver_due(now=now)
        now += dt.timedelta(seconds=30 * 2**5)
    assert receiver.requests == len(produced) + 1
    assert receiver.duplicates == 0
    assert set(receiver.kept) == set(produced)
    for delivery_id, (topic, document) in receiver.kept.items():
        assert topic == produced[delivery_id].topic
        assert document == produced[delivery_id].payload
        assert schema_errors(document, DEFS[topic]) == [], document
    kept = [doc for topic, doc in receiver.kept.values() if topic == "ratings.rating"]
    assert any(d["comment"] == "窗口让我跑了两次" and d["level"] == 2 for d in kept)
    statuses = set(
        OutboxMessage.objects.filter(destination="http:province_ratings").values_list(
            "status", flat=True
        )
    )
    assert statuses == {OutboxMessage.Status.DELIVERED}
    assert OutboxMessage.objects.filter(attempts=2).count() == 1


def test_the_log_destination_never_carries_the_comment(settings, applicant):
    settings.YISHI_RATING_PUSH_DESTINATION = "log"
    app = completed(applicant)
    services.rating_submit(
        target=services.application_target(app),
        stage="complete",
        level=1,
        indicators=["办事效率"],
        comment="我的电话是13900001111",
        user=applicant.user,
    )
    for m in OutboxMessage.objects.filter(topic__startswith="ratings."):
        assert "13900001111" not in json.dumps(m.payload, ensure_ascii=False)
