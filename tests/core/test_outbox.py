from __future__ import annotations

import datetime
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from yishi.core.crypto import hmac_sm3_hex
from yishi.core.errors import Conflict
from yishi.core.models import AuditEntry, OutboxMessage
from yishi.core.outbox import (
    backoff_seconds,
    outbox_deliver_due,
    outbox_enqueue,
    outbox_file_path,
    outbox_replay,
)
from yishi.core.tasks import deliver_outbox

pytestmark = pytest.mark.django_db

SECRET = "receiver-shared-secret"
PAYLOAD = {"credit_code": "91420702MA0000001X", "event": "承诺履约", "score": 3}
Status = OutboxMessage.Status


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that records requests and answers from a script."""

    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # consumed in order; then 200

    def next_status(self) -> int:
        return self.answers.pop(0) if self.answers else 200


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = state.next_status()
            self.send_response(status)
            if status in (301, 302):
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write("好".encode() if status < 300 else f"错误 {status}".encode())

        def log_message(self, *args) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/credit"
    settings.OUTBOX_ENDPOINTS = {"credit": {"url": state.url, "secret": SECRET, "timeout": 5}}
    settings.OUTBOX_BACKOFF_SECONDS = 30
    settings.OUTBOX_MAX_ATTEMPTS = 3
    yield state
    server.shutdown()
    server.server_close()


def _enqueue(destination: str = "http:credit", payload: dict | None = None) -> OutboxMessage:
    return outbox_enqueue(
        topic="credit.record", destination=destination, payload=payload or PAYLOAD
    )


def _later(seconds: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=seconds)


def test_message_is_posted_with_delivery_id_and_hmac_sm3_signature(receiver):
    message = _enqueue()
    now = _later(1)
    report = outbox_deliver_due(now=now)
    assert report.as_dict() == {"delivered": 1, "retrying": 0, "dead": 0}
    [request] = receiver.requests
    assert request.path == "/hooks/credit"
    assert json.loads(request.body) == PAYLOAD
    assert request.headers["X-Yishi-Delivery-Id"] == str(message.delivery_id)
    assert request.headers["X-Yishi-Signature"] == hmac_sm3_hex(request.body, key=SECRET)
    assert request.headers["X-Yishi-Topic"] == "credit.record"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.delivered_at) == (Status.DELIVERED, 1, now)
    assert outbox_deliver_due(now=_later(3600)).attempted == 0


def test_signature_does_not_verify_under_another_secret(receiver):
    _enqueue()
    outbox_deliver_due(now=_later(1))
    [request] = receiver.requests
    assert request.headers["X-Yishi-Signature"] != hmac_sm3_hex(request.body, key="other")


def test_receiver_error_is_retried_after_back_off_then_delivered(receiver):
    receiver.answers = [500]
    message = _enqueue()
    t0 = _later(1)
    assert outbox_deliver_due(now=t0).retrying == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert message.next_attempt_at == t0 + datetime.timedelta(seconds=30)
    assert message.last_error.startswith("HTTP 500")
    assert "错误 500" in message.last_error

    assert outbox_deliver_due(now=t0 + datetime.timedelta(seconds=29)).attempted == 0
    assert outbox_deliver_due(now=t0 + datetime.timedelta(seconds=30)).delivered == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.DELIVERED, 2, "")
    assert [r.headers["X-Yishi-Delivery-Id"] for r in receiver.requests] == [
        str(message.delivery_id)
    ] * 2


def test_always_failing_receiver_makes_a_dead_letter_after_max_attempts(receiver):
    receiver.answers = [503] * 10
    message = _enqueue()
    t = _later(1)
    delays = []
    for _ in range(2):
        assert outbox_deliver_due(now=t).retrying == 1
        message.refresh_from_db()
        delays.append((message.next_attempt_at - t).total_seconds())
        t = message.next_attempt_at
    assert delays == [30, 60]
    assert outbox_deliver_due(now=t).dead == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.DEAD, 3)
    assert outbox_deliver_due(now=t + datetime.timedelta(days=2)).attempted == 0
    assert len(receiver.requests) == 3


def test_back_off_doubles_and_stops_at_one_day(settings):
    settings.OUTBOX_BACKOFF_SECONDS = 30
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(20) == 86400


def test_dead_letter_replayed_is_delivered_and_audited(receiver, admin_user):
    receiver.answers = [500, 500, 500]
    message = _enqueue()
    t = _later(1)
    for _ in range(3):
        outbox_deliver_due(now=t)
        t += datetime.timedelta(days=1)
    message.refresh_from_db()
    assert message.status == Status.DEAD

    replayed = outbox_replay(message, actor=admin_user)
    assert (replayed.status, replayed.attempts) == (Status.PENDING, 0)
    assert outbox_deliver_due(now=_later(1)).delivered == 1
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    entry = AuditEntry.objects.get(action="outbox.replay")
    assert (entry.actor, entry.object_id) == ("admin", str(message.delivery_id))


def test_only_a_dead_letter_can_be_replayed(receiver):
    message = _enqueue()
    with pytest.raises(Conflict) as exc:
        outbox_replay(message)
    assert exc.value.message == "只有投递失败(死信)的消息可以重新投递，该消息状态为“待投递”"


def test_file_adapter_appends_json_lines(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first = _enqueue("file:supervision", {"n": 1, "事项": "出生"})
    second = _enqueue("file:supervision", {"n": 2})
    assert outbox_deliver_due(now=_later(1)).delivered == 2
    path = outbox_file_path("supervision")
    assert path == tmp_path / "outbox" / "supervision.jsonl"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(x["delivery_id"], x["topic"], x["payload"]) for x in lines] == [
        (str(first.delivery_id), "credit.record", {"n": 1, "事项": "出生"}),
        (str(second.delivery_id), "credit.record", {"n": 2}),
    ]


def test_log_adapter_writes_to_the_log(caplog):
    message = _enqueue("log")
    with caplog.at_level(logging.INFO, logger="yishi.core.outbox"):
        assert outbox_deliver_due(now=_later(1)).delivered == 1
    assert str(message.delivery_id) in caplog.text
    assert "承诺履约" in caplog.text


def test_message_of_a_rolled_back_transaction_is_never_delivered(receiver):
    with pytest.raises(RuntimeError), transaction.atomic():
        _enqueue()
        raise RuntimeError("the business change failed")
    assert OutboxMessage.objects.count() == 0
    assert outbox_deliver_due(now=_later(1)).attempted == 0
    assert receiver.requests == []


def test_redirect_is_a_failure_not_followed(receiver):
    receiver.answers = [302]
    message = _enqueue()
    assert outbox_deliver_due(now=_later(1)).retrying == 1
    message.refresh_from_db()
    assert message.last_error.startswith("HTTP 302")
    assert len(receiver.requests) == 1


def test_unreachable_receiver_is_retried(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.OUTBOX_ENDPOINTS = {"gone": {"url": f"http://127.0.0.1:{port}/", "secret": "s"}}
    message = _enqueue("http:gone")
    assert outbox_deliver_due(now=_later(1)).retrying == 1
    message.refresh_from_db()
    assert message.last_error.startswith("连接失败 / connection failed")


def test_unconfigured_endpoint_is_retried_with_a_clear_error(settings):
    settings.OUTBOX_ENDPOINTS = {}
    message = _enqueue("http:province")
    outbox_deliver_due(now=_later(1))
    message.refresh_from_db()
    assert message.last_error == "未配置外发通道 http:province（settings.OUTBOX_ENDPOINTS）"


@pytest.mark.parametrize("destination", ["ftp:x", "http:", "file:../etc", "http:a/b", "logs"])
def test_malformed_destination_is_refused_at_enqueue(destination):
    with pytest.raises(ValueError, match="outbox destination"):
        _enqueue(destination)


def test_limit_bounds_one_round(receiver):
    for _ in range(3):
        _enqueue()
    assert outbox_deliver_due(now=_later(1), limit=2).delivered == 2
    assert outbox_deliver_due(now=_later(1), limit=2).delivered == 1


def test_deliver_outbox_task_delivers_due_messages(receiver):
    _enqueue()
    assert deliver_outbox.call() == {"delivered": 1, "retrying": 0, "dead": 0}
    assert len(receiver.requests) == 1


def test_deliver_outbox_command_reports_the_round(receiver, capsys):
    _enqueue()
    call_command("deliver_outbox")
    assert "已投递 1，待重试 0，转为死信 0" in capsys.readouterr().out
    assert len(receiver.requests) == 1


def test_admin_action_replays_dead_letters_only(admin_client):
    dead = _enqueue("log")
    OutboxMessage.objects.filter(pk=dead.pk).update(status=Status.DEAD, attempts=3)
    delivered = _enqueue("log")
    OutboxMessage.objects.filter(pk=delivered.pk).update(status=Status.DELIVERED)
    response = admin_client.post(
        "/admin/core/outboxmessage/",
        {"action": "replay_dead", "_selected_action": [dead.pk, delivered.pk]},
        follow=True,
    )
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert texts == ["已重新投递 1 条消息。", "1 条消息不是死信（待投递或已投递），未重新投递。"]
    dead.refresh_from_db()
    delivered.refresh_from_db()
    assert (dead.status, dead.attempts, delivered.status) == (Status.PENDING, 0, Status.DELIVERED)


def test_admin_lists_outbox_with_filters_and_shows_payload_read_only(admin_client):
    message = _enqueue("log")
    listing = admin_client.get("/admin/core/outboxmessage/?status__exact=pending")
    assert listing.status_code == 200
    assert "credit.record" in listing.content.decode()
    detail = admin_client.get(f"/admin/core/outboxmessage/{message.pk}/change/")
    assert detail.status_code == 200
    assert "承诺履约" in detail.content.decode()
    assert 'name="payload"' not in detail.content.decode()
    assert admin_client.get("/admin/core/outboxmessage/add/").status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_deliver_each_message_once(receiver):
    messages = [_enqueue() for _ in range(30)]
    barrier = threading.Barrier(3)
    reports = []

    def work() -> None:
        barrier.wait()
        try:
            reports.append(outbox_deliver_due(now=_later(1), limit=7).delivered)
            reports.append(outbox_deliver_due(now=_later(1), limit=7).delivered)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [r.headers["X-Yishi-Delivery-Id"] for r in receiver.requests]
    assert len(ids) == len(set(ids)) == sum(reports) == 30
    assert set(ids) == {str(m.delivery_id) for m in messages}
    assert OutboxMessage.objects.filter(status=Status.DELIVERED).count() == 30


@pytest.mark.django_db
def test_the_log_adapter_never_writes_a_full_phone_or_id_number(caplog):
    from yishi.core.outbox import outbox_deliver_due, outbox_enqueue

    outbox_enqueue(
        topic="sms.code",
        destination="log",
        payload={
            "phone": "19900001234",
            "text": "验证码 123456",
            "who": {"id_number": "420702199001011239"},
        },
    )
    with caplog.at_level("INFO", logger="yishi.core.outbox"):
        outbox_deliver_due()

    logged = caplog.text
    assert "199****1234" in logged
    assert "19900001234" not in logged
    assert "420702199001011239" not in logged
