"""Receivers down for an hour of simulated time (SMS gateway, credit platform, supervision
platform): the outbox's clock is the `now` each delivery round is given, so an hour passes
in a loop, not in sleeps. Pushes wait and retry with growing back-off while nothing
listens; once the receivers are back every push arrives once, and a case's pushes arrive in
the order they were written. A receiver down for longer turns its pushes into dead letters
(a case's later pushes wait behind them), which the admin's 重新投递 action replays."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from tests.cases.factories import ApplicantFactory, StaffFactory, make_chain_theme
from tests.faults.cluster import free_port
from yishi.cases import services as cases
from yishi.core.models import OutboxMessage
from yishi.core.outbox import backoff_seconds, case_key, outbox_deliver_due, outbox_enqueue

pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.django_db]
Status = OutboxMessage.Status
RECEIVERS = ("sms", "credit", "supervision")


class Receivers:
    """One HTTP server per receiver name on a fixed port; down = nothing listens there."""

    def __init__(self) -> None:
        self.ports = {name: free_port() for name in RECEIVERS}
        self.servers: dict[str, ThreadingHTTPServer] = {}
        self.got: list[tuple[str, str, dict]] = []  # (receiver, delivery id, body)
        self.lock = threading.Lock()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}/push"

    def up(self, name: str) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with outer.lock:
                    outer.got.append((name, self.headers["X-Yishi-Delivery-Id"], body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.ports[name]), Handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
        self.servers[name] = server

    def down(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        self.servers.clear()


@pytest.fixture
def receivers(settings):
    state = Receivers()
    settings.OUTBOX_ENDPOINTS = {
        name: {"url": state.url(name), "secret": "s", "timeout": 2} for name in RECEIVERS
    }
    settings.SMS_DESTINATION = "http:sms"
    settings.OUTBOX_BACKOFF_SECONDS = 30
    settings.OUTBOX_MAX_ATTEMPTS = 8
    yield state
    state.down()


def _cases(count: int) -> list:
    """Applications whose life writes two SMS each (submitted, accepted), with a credit
    and a supervision push of each case between them."""
    chain = make_chain_theme()
    clerk = StaffFactory().user
    apps = []
    for i in range(count):
        applicant = ApplicantFactory()
        app = cases.application_submit(
            user=applicant.user, theme=chain["theme"], answers={}, form_data={"name": "张三"}
        )
        for name in ("credit", "supervision"):
            outbox_enqueue(
                topic=f"faults.{name}",
                destination=f"http:{name}",
                payload={"number": app.number, "step": 1, "i": i},
                ordering_key=case_key(app.number),
            )
        app = cases.application_accept(application=app, staff=clerk)
        for name in ("credit", "supervision"):
            outbox_enqueue(
                topic=f"faults.{name}",
                destination=f"http:{name}",
                payload={"number": app.number, "step": 2, "i": i},
                ordering_key=case_key(app.number),
            )
        apps.append(app)
    return apps


def _run_clock(start: dt.datetime, until: dt.datetime) -> dt.datetime:
    """Deliver at each moment something is due, from `start` to `until` (simulated)."""
    now = start
    while now <= until:
        outbox_deliver_due(now=now)
        upcoming = (
            OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__gt=now)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if upcoming is None:
            break
        now = max(upcoming, now + dt.timedelta(seconds=1))
    return now


def _in_order_once(got: list[tuple[str, str, dict]], messages: list[OutboxMessage]) -> None:
    ids = [delivery for _r, delivery, _b in got]
    assert len(ids) == len(set(ids)) == len(messages)  # each once
    written = defaultdict(list)
    for m in messages:  # the order of writing, per case and receiver
        written[(m.destination, m.ordering_key)].append(str(m.delivery_id))
    arrived = defaultdict(list)
    by_id = {str(m.delivery_id): m for m in messages}
    for _r, delivery, _b in got:
        m = by_id[delivery]
        arrived[(m.destination, m.ordering_key)].append(delivery)
    assert arrived == written


def test_receivers_down_an_hour_get_every_push_once_in_order_per_case(receivers):
    started = time.monotonic()
    apps = _cases(3)
    messages = list(OutboxMessage.objects.filter(destination__startswith="http:").order_by("id"))
    # Per case: 2 SMS (submitted, accepted), 2 credit and 2 supervision pushes.
    assert len(messages) == 3 * (2 + 2 + 2)
    assert {m.ordering_key for m in messages} == {case_key(a.number) for a in apps}

    t0 = timezone.now()
    # The later pushes of each case are written 55 minutes into the outage: alone, their
    # shorter back-off would try them again (62.5 min) before the first ones (63.5 min).
    heads = {}
    for m in messages:
        heads.setdefault((m.destination, m.ordering_key), m.pk)
    OutboxMessage.objects.exclude(pk__in=heads.values()).update(
        next_attempt_at=t0 + dt.timedelta(minutes=55)
    )
    # An hour with nothing listening: only each case's first push per receiver is tried.
    _run_clock(t0, t0 + dt.timedelta(minutes=60))
    assert receivers.got == []
    heads = OutboxMessage.objects.filter(attempts__gt=0)
    assert heads.count() == 3 * 3  # one head per case and receiver; the rest wait behind it
    assert set(heads.values_list("attempts", flat=True)) == {7}  # 0, 30s, 90s … 31.5 min
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.PENDING}
    head = heads.first()
    # The back-off doubled each time: the 8th try is 2**6 × 30 s after the 7th.
    assert backoff_seconds(7) == 30 * 64
    assert "连接失败" in head.last_error

    for name in RECEIVERS:
        receivers.up(name)
    _run_clock(t0 + dt.timedelta(minutes=60), t0 + dt.timedelta(hours=3))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.DELIVERED}
    _in_order_once(receivers.got, messages)
    print(f"\n[faults] receivers down an hour: {time.monotonic() - started:.1f}s")


def test_dead_letters_wait_for_their_replay_from_the_admin_then_arrive_in_order(
    receivers, admin_client
):
    started = time.monotonic()
    apps = _cases(2)
    messages = list(OutboxMessage.objects.filter(destination__startswith="http:").order_by("id"))
    t0 = timezone.now()
    # Down for three hours: each case's first push to each receiver dies after 8 attempts,
    # and the case's later pushes stay queued behind it, untried.
    _run_clock(t0, t0 + dt.timedelta(hours=3))
    dead = OutboxMessage.objects.filter(status=Status.DEAD)
    assert dead.count() == 2 * 3
    assert set(dead.values_list("attempts", flat=True)) == {8}
    waiting = OutboxMessage.objects.filter(status=Status.PENDING)
    assert set(waiting.values_list("attempts", flat=True)) == {0}
    assert outbox_deliver_due(now=t0 + dt.timedelta(hours=4)).attempted == 0

    for name in RECEIVERS:
        receivers.up(name)
    response = admin_client.post(
        "/admin/core/outboxmessage/",
        {"action": "replay_dead", "_selected_action": list(dead.values_list("pk", flat=True))},
        follow=True,
    )
    assert response.status_code == 200
    assert "重新投递" in response.content.decode()
    assert not OutboxMessage.objects.filter(status=Status.DEAD).exists()
    _run_clock(timezone.now(), timezone.now() + dt.timedelta(minutes=5))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.DELIVERED}
    _in_order_once(receivers.got, messages)
    assert len(apps) == 2
    print(f"\n[faults] dead letters replayed: {time.monotonic() - started:.1f}s")
