"""What readiness means here (/readyz) and the figures the metrics page reports: the database
answers, the task queue is reachable, and how the outbox and the task queue are doing.

Only the database and the task queue decide readiness. The outbox backlog and dead letters
are reported ("warn") but never take an instance out of rotation: every instance shares one
database, so a receiver down for an hour would otherwise take the whole site down with it.

The task backend is told apart by its class path, so that the RQ backend's packages
(django-tasks-rq, django-rq) are imported only when settings.TASKS names it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from yishi.core.models import OutboxMessage

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass
class Check:
    """One check's outcome; `detail` holds figures and the error class, shown only to
    callers that may see metrics (yishi.core.probes)."""

    status: str
    detail: dict[str, Any] = field(default_factory=dict)


def task_backend_path(alias: str = "default") -> str:
    """The dotted class path of a configured task backend, read from settings.TASKS."""
    return str(settings.TASKS.get(alias, {}).get("BACKEND", ""))


def _failed(exc: Exception) -> Check:
    # The class only: a driver's message names hosts and ports.
    return Check(FAIL, {"error": type(exc).__name__})


def check_database() -> Check:
    """The default database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        return _failed(exc)
    return Check(OK)


def _rq_queues() -> list[Any]:
    import django_rq  # only with the RQ backend configured
    from django_tasks import task_backends

    names = getattr(task_backends["default"], "queues", None) or ["default"]
    return [django_rq.get_queue(name) for name in sorted(names)]


def ready_task_count() -> int:
    """Tasks waiting for a worker: ready rows (django-tasks-db) or queued jobs (RQ); 0 for
    backends that run tasks inline."""
    path = task_backend_path()
    if path.startswith("django_tasks_db."):
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.ready().count()
    if path.startswith("django_tasks_rq."):
        return sum(len(queue) for queue in _rq_queues())
    return 0


def check_tasks() -> Check:
    """The task queue is reachable: a query on django-tasks-db's table, or a Redis ping with
    the RQ backend. An inline backend (tests) is always reachable."""
    path = task_backend_path()
    try:
        if path.startswith("django_tasks_db."):
            from django_tasks_db.models import DBTaskResult

            DBTaskResult.objects.order_by().values_list("pk")[:1].exists()
        elif path.startswith("django_tasks_rq."):
            for queue in _rq_queues():
                queue.connection.ping()
        else:
            return Check(OK, {"backend": "inline"})
        return Check(OK, {"ready_tasks": ready_task_count()})
    except Exception as exc:
        return _failed(exc)


@dataclass(frozen=True)
class OutboxFigures:
    due: int  # pending messages whose next attempt is due now
    backlog: int  # of those, due for longer than YISHI_READY_OUTBOX_MAX_AGE_SECONDS
    dead_letters: int


def outbox_figures(now: dt.datetime | None = None) -> OutboxFigures:
    """Three counts on the outbox's (status, next_attempt_at) index."""
    now = now or timezone.now()
    max_age = dt.timedelta(seconds=settings.YISHI_READY_OUTBOX_MAX_AGE_SECONDS)
    pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
    return OutboxFigures(
        due=pending.filter(next_attempt_at__lte=now).count(),
        backlog=pending.filter(next_attempt_at__lte=now - max_age).count(),
        dead_letters=OutboxMessage.objects.filter(status=OutboxMessage.Status.DEAD).count(),
    )


def check_outbox() -> Check:
    """Warn when messages have waited past the threshold or dead letters wait for a replay."""
    try:
        figures = outbox_figures()
    except Exception as exc:
        return _failed(exc)
    status = WARN if figures.backlog or figures.dead_letters else OK
    return Check(
        status,
        {"due": figures.due, "backlog": figures.backlog, "dead_letters": figures.dead_letters},
    )


def readiness() -> tuple[bool, dict[str, Check]]:
    """Whether this instance may take traffic, and each check. The others are skipped when
    the database does not answer (they would only wait on it again)."""
    database = check_database()
    if database.status == FAIL:
        skipped = Check(FAIL, {"error": "database unavailable"})
        checks = {"database": database, "tasks": skipped, "outbox": skipped}
        if not task_backend_path().startswith("django_tasks_db."):
            checks["tasks"] = check_tasks()
        return False, checks
    checks = {"database": database, "tasks": check_tasks(), "outbox": check_outbox()}
    return all(check.status != FAIL for check in checks.values()), checks
