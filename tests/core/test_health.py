"""/healthz answers without the database; /readyz answers 200 while the database and the task
queue answer and 503 when the database refuses connections (a real refused connection, in a
process of its own); the outbox backlog and dead letters are reported without taking the
instance out of rotation; production settings answer both by a load balancer's Host, over
plain HTTP."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from tests.conftest import _unavailable
from tests.core.test_deploy_settings import _env
from tests.settings_support import probe
from yishi.core.models import OutboxMessage

FAR = "203.0.113.7"  # an address outside YISHI_METRICS_ALLOW: the public answer

# Asks a test client for the probe paths as a load balancer would: by the machine's address,
# over plain HTTP; prints status, headers and body of each.
LOAD_BALANCER = """
import json, os, django
django.setup()
from django.test import Client
lb = Client(HTTP_HOST="10.0.0.5:8000", REMOTE_ADDR="10.0.0.2")
scraper = Client(HTTP_HOST="10.0.0.5:8000", REMOTE_ADDR="10.0.0.9")
token = {"HTTP_AUTHORIZATION": "Bearer metrics-token-for-tests-0123456789"}
out = {}
for name, client, path, extra in [
    ("healthz", lb, "/healthz", {}),
    ("readyz", lb, "/readyz", {}),
    ("metrics_refused", lb, "/metrics", {}),
    ("metrics_token", scraper, "/metrics", token),
] + ([("page", lb, "/", {})] if os.environ.get("PROBE_PAGE") else []):
    r = client.get(path, **extra)
    out[name] = {"status": r.status_code, "location": r.headers.get("Location"),
                 "cache": r.headers.get("Cache-Control"), "id": r.headers.get("X-Request-ID"),
                 "body": r.content.decode("utf-8", "replace")[:20000]}
print(json.dumps(out))
"""


def _closed_port() -> int:
    """A port on loopback where nothing listens: a connection to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _production(tmp_path: Path, database_url: str, *, page: bool = False) -> dict:
    return probe(
        LOAD_BALANCER,
        _env(
            tmp_path,
            PROBE_PAGE="1" if page else None,
            DATABASE_URL=database_url,
            YISHI_METRICS_TOKEN="metrics-token-for-tests-0123456789",
            YISHI_LOG_LEVEL="CRITICAL",
        ),
    )


def test_healthz_answers_without_the_database(client):
    # No `db` fixture: pytest-django refuses any database access in this test.
    response = client.get("/healthz", REMOTE_ADDR=FAR)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {}}
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_readyz_is_ok_and_shows_the_public_only_each_checks_state(db, client):
    public = client.get("/readyz", REMOTE_ADDR=FAR)
    detailed = client.get("/readyz")  # loopback: the metrics rule lets it see figures

    assert public.status_code == detailed.status_code == 200
    assert public.json() == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok"},
            "tasks": {"status": "ok"},
            "outbox": {"status": "ok"},
        },
    }
    assert detailed.json()["checks"]["outbox"] == {
        "status": "ok",
        "due": 0,
        "backlog": 0,
        "dead_letters": 0,
    }
    assert "no-store" in public["Cache-Control"]
    assert not public.cookies


def test_an_old_outbox_backlog_and_dead_letters_warn_but_keep_the_instance_ready(
    db, client, settings
):
    settings.YISHI_READY_OUTBOX_MAX_AGE_SECONDS = 600
    now = timezone.now()
    for minutes, status in [(30, "pending"), (5, "pending"), (-5, "pending"), (60, "dead")]:
        OutboxMessage.objects.create(
            topic="test",
            destination="log",
            payload={},
            status=status,
            next_attempt_at=now - dt.timedelta(minutes=minutes),
        )

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["outbox"] == {
        "status": "warn",
        "due": 2,  # 30 and 5 minutes overdue; the third is not due yet
        "backlog": 1,  # only the one due for longer than 10 minutes
        "dead_letters": 1,
    }


def test_readyz_is_503_when_the_database_refuses_connections(tmp_path):
    answers = _production(tmp_path, f"postgres://postgres@127.0.0.1:{_closed_port()}/h_obs")

    readyz = answers["readyz"]
    assert readyz["status"] == 503
    assert readyz["body"] == (
        '{"status": "fail", "checks": {"database": {"status": "fail"}, '
        '"tasks": {"status": "fail"}, "outbox": {"status": "fail"}}}'
    )
    assert "no-store" in readyz["cache"]
    # Liveness does not depend on the database: the process is alive, just not ready.
    assert answers["healthz"]["status"] == 200
    # The metrics page still answers: process metrics, and gauges marked unreadable.
    assert answers["metrics_token"]["status"] == 200
    assert "yishi_gauges_up 0.0" in answers["metrics_token"]["body"]


@pytest.mark.postgres
def test_production_settings_answer_a_load_balancer_by_address_over_plain_http(db, tmp_path):
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
        f"/{settings_dict['NAME']}"  # the test database: migrated, and reachable
    )
    answers = _production(tmp_path, database_url, page=True)

    assert answers["healthz"]["status"] == 200
    assert answers["readyz"]["status"] == 200, answers["readyz"]["body"]
    assert answers["readyz"]["body"].startswith('{"status": "ok"')
    assert answers["metrics_refused"]["status"] == 404
    assert answers["metrics_token"]["status"] == 200
    assert "yishi_gauges_up 1.0" in answers["metrics_token"]["body"]
    assert "yishi_outbox_dead_letters" in answers["metrics_token"]["body"]
    assert all(len(answer["id"]) == 32 for answer in answers.values())
    # Any other page still refuses a Host outside ALLOWED_HOSTS.
    assert answers["page"]["status"] == 400


# ---------------------------------------------------------------- the RQ task backend


def _rq_settings(settings, redis_url: str) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    settings.RQ_QUEUES = {"default": {"URL": redis_url}}


@pytest.fixture
def redis_db7() -> str:
    """Redis database 7 of the local server (this test's own), emptied after the test."""
    pytest.importorskip("django_tasks_rq")  # the optional RQ dependency set
    import redis

    url = "redis://127.0.0.1:6379/7"
    server = redis.Redis.from_url(url)
    try:
        server.ping()
    except redis.ConnectionError:
        _unavailable("needs Redis on 127.0.0.1:6379")
    yield url
    server.flushdb()


def test_with_the_rq_backend_readyz_pings_redis_and_counts_queued_jobs(
    db, client, settings, redis_db7
):
    import django_rq

    _rq_settings(settings, redis_db7)
    # At once, not on the commit of the test's transaction (which never comes).
    django_rq.get_queue("default", commit_mode="auto").enqueue("yishi.core.tasks.deliver_outbox")

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["tasks"] == {"status": "ok", "ready_tasks": 1}


def test_with_the_rq_backend_readyz_is_503_when_redis_refuses_connections(db, client, settings):
    pytest.importorskip("django_tasks_rq")
    _rq_settings(settings, f"redis://127.0.0.1:{_closed_port()}/7")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": {"status": "ok"},
        "tasks": {"status": "fail", "error": "ConnectionError"},
        "outbox": {"status": "ok", "due": 0, "backlog": 0, "dead_letters": 0},
    }
