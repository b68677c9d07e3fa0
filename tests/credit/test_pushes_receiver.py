"""The credit platform being down loses nothing: a real HTTP receiver on loopback refuses the
first requests, and after it comes back every document arrives exactly once."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from tests.credit.factories import ACCEPT_DAY, item
from yishi.core.models import OutboxMessage
from yishi.core.outbox import outbox_deliver_due
from yishi.credit.commitments import commitment_accept, commitment_item_fulfil
from yishi.credit.schemas import validate_document
from yishi.credit.services import credit_record_penalty

pytestmark = pytest.mark.django_db
FAILURES = 4


class Receiver:
    """Answers 500 to the first `fail_first` requests, then 200; records what it kept,
    de-duplicating by the delivery id header as a real receiver must."""

    def __init__(self, fail_first: int):
        self.fail_first = fail_first
        self.requests = 0
        self.kept: dict[str, tuple[str, dict]] = {}
        self.duplicates = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.requests += 1
                    failing = receiver.requests <= receiver.fail_first
                    if not failing:
                        delivery = self.headers["X-Yishi-Delivery-Id"]
                        if delivery in receiver.kept:
                            receiver.duplicates += 1
                        receiver.kept[delivery] = (
                            self.headers["X-Yishi-Topic"],
                            json.loads(body),
                        )
                self.send_response(500 if failing else 200)
                self.end_headers()
                self.wfile.write(b"down" if failing else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/credit"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    with Receiver(fail_first=FAILURES) as r:
        settings.OUTBOX_ENDPOINTS = {"credit": {"url": r.url, "secret": "s3", "timeout": 5}}
        settings.YISHI_CREDIT_PUSH_DESTINATION = "http:credit"
        settings.OUTBOX_BACKOFF_SECONDS = 30
        settings.OUTBOX_MAX_ATTEMPTS = 8
        yield r


def test_receiver_down_for_a_while_loses_nothing_and_gets_each_document_once(
    receiver, chain, submitted, applicant, window, supervisor
):
    commitment = commitment_accept(
        application=submitted,
        staff=window.user,
        signer=applicant.user,
        items=[item(chain, "a_site")],
        today=ACCEPT_DAY,
    )
    commitment_item_fulfil(item=commitment.items.get(), actor=window.user, today=ACCEPT_DAY)
    for n in range(3):
        credit_record_penalty(actor=supervisor.user, person=applicant.person, reason=f"处罚{n}")
    produced = {
        str(m.delivery_id): m
        for m in OutboxMessage.objects.filter(destination="http:credit").order_by("id")
    }
    assert len(produced) == 5  # signed, kept, three penalties

    now = timezone.now()
    for _ in range(12):
        outbox_deliver_due(now=now)
        # Move past the longest back-off the attempts so far can have earned.
        now += dt.timedelta(seconds=30 * 2**8)
        if not OutboxMessage.objects.filter(
            destination="http:credit", status=OutboxMessage.Status.PENDING
        ).exists():
            break

    assert receiver.requests == len(produced) + FAILURES
    assert receiver.duplicates == 0
    assert set(receiver.kept) == set(produced)
    for delivery_id, (topic, document) in receiver.kept.items():
        assert topic == produced[delivery_id].topic
        assert document == produced[delivery_id].payload
        assert validate_document(topic, document) == []
    statuses = set(
        OutboxMessage.objects.filter(destination="http:credit").values_list("status", flat=True)
    )
    assert statuses == {OutboxMessage.Status.DELIVERED}
    retried = OutboxMessage.objects.filter(destination="http:credit", attempts__gt=1)
    assert retried.count() >= 1


def test_the_default_log_destination_never_writes_the_real_id_number(applicant, supervisor, caplog):
    credit_record_penalty(actor=supervisor.user, person=applicant.person, reason="处罚")
    message = OutboxMessage.objects.get(topic="credit.penalty")
    assert message.destination == "log"
    assert message.payload["subject"]["id_number"] == applicant.person.id_number

    with caplog.at_level("INFO", logger="yishi.core.outbox"):
        assert outbox_deliver_due().delivered >= 1
    assert str(message.delivery_id) in caplog.text
    assert applicant.person.id_number not in caplog.text
    assert applicant.person.id_number[-4:] in caplog.text
