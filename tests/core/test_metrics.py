"""/metrics answers Prometheus only from YISHI_METRICS_ALLOW or with the metrics token
(anyone else: 404, as if it did not exist), and shows request counts by view and the
platform's own gauges with the database's exact figures."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from tests.hall.factories import OutletFactory, QueueFactory
from yishi.core.models import OutboxMessage
from yishi.env import ConfigError
from yishi.hall.services import ticket_take
from yishi.settings import _networks

TOKEN = "scrape-token-0123456789abcdef"
FAR = "198.51.100.23"


@pytest.fixture
def metrics_settings(settings):
    settings.YISHI_METRICS_TOKEN = TOKEN
    settings.YISHI_METRICS_ALLOW = [ipaddress.ip_network("10.20.0.0/16")]
    return settings


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer wrong-token"},
        {"HTTP_AUTHORIZATION": TOKEN},  # no scheme
        {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
        {"HTTP_X_FORWARDED_FOR": "10.20.1.1"},  # a forwarded address is never believed
    ],
)
def test_metrics_are_404_from_an_address_outside_the_list_without_the_token(
    db, client, metrics_settings, headers
):
    response = client.get("/metrics", REMOTE_ADDR=FAR, **headers)

    assert response.status_code == 404
    assert b"yishi_" not in response.content and b"django_http" not in response.content


def test_metrics_answer_the_token_and_the_allowed_addresses(db, client, metrics_settings):
    by_token = client.get("/metrics", REMOTE_ADDR=FAR, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    by_address = client.get("/metrics", REMOTE_ADDR="10.20.3.4")
    loopback_now_outside = client.get("/metrics")

    assert (by_token.status_code, by_address.status_code) == (200, 200)
    assert by_token["Content-Type"].startswith("text/plain; version=")
    assert "no-store" in by_token["Cache-Control"]
    assert loopback_now_outside.status_code == 404


def test_no_token_configured_opens_nothing(db, client, settings):
    settings.YISHI_METRICS_TOKEN = ""

    response = client.get("/metrics", REMOTE_ADDR=FAR, HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 404


def test_requests_are_counted_by_view_and_the_gauges_read_the_database(db, client):
    outlet = OutletFactory(code="metrics-hall")
    queue = QueueFactory(outlet=outlet)
    for _ in range(2):
        ticket_take(outlet=outlet, queue=queue)
    now = timezone.now()
    for status, minutes in [("pending", 60), ("pending", 1), ("dead", 5), ("dead", 9)]:
        OutboxMessage.objects.create(
            topic="test",
            destination="log",
            payload={},
            status=status,
            next_attempt_at=now - dt.timedelta(minutes=minutes),
        )
    view_key = (
        "django_http_responses_total_by_status_view_method_total",
        (("method", "GET"), ("status", "200"), ("view", "portal:themes")),
    )
    before = _samples(client.get("/metrics").content.decode()).get(view_key, 0.0)

    client.get("/themes/")
    samples = _samples(client.get("/metrics").content.decode())

    assert samples[view_key] == before + 1
    assert samples[("yishi_gauges_up", ())] == 1.0
    assert samples[("yishi_outbox_due", ())] == 2.0
    assert samples[("yishi_outbox_backlog", ())] == 1.0  # due for longer than 15 minutes
    assert samples[("yishi_outbox_dead_letters", ())] == 2.0
    assert samples[("yishi_hall_tickets_waiting", (("outlet", "metrics-hall"),))] == 2.0
    assert ("yishi_task_queue_ready", ()) in samples
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert samples[(latency, (("method", "GET"), ("view", "portal:themes")))] >= 1


def test_the_task_queue_gauge_counts_ready_rows_of_the_database_backend(db, client, settings):
    from django_tasks_db.models import DBTaskResult

    from yishi.core.tasks import deliver_outbox

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    deliver_outbox.using(backend="default").enqueue()
    deliver_outbox.using(backend="default").enqueue()

    text = client.get("/metrics").content.decode()

    assert DBTaskResult.objects.ready().count() == 2
    assert re.search(r"^yishi_task_queue_ready 2\.0$", text, re.MULTILINE)


@pytest.mark.parametrize("value", ["10.0.0.0/33", "not-an-address"])
def test_a_bad_allow_list_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("YISHI_METRICS_ALLOW", value)

    with pytest.raises(ConfigError, match="YISHI_METRICS_ALLOW"):
        _networks("YISHI_METRICS_ALLOW", [])
