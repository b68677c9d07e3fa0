"""A task worker with one test handler, for the worker-killed fault test:
`python -m tests.faults.worker db|rq [worker options]`.

The handler answers the event `faults.effect_requested` with one effect (an outbox row, in
the handler's transaction like every platform handler's writes) and, while the file named
by YISHI_FAULTS_HANG exists, then announces itself (`<hang>.started`) and hangs, so the
test can kill the worker in the middle of the task."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import django

EVENT = "faults.effect_requested"
EFFECT_TOPIC = "faults.effect"


def _register() -> None:
    from yishi.core.events import handler
    from yishi.core.outbox import outbox_enqueue

    @handler(EVENT, name="faults.make_effect")
    def make_effect(event) -> None:
        outbox_enqueue(topic=EFFECT_TOPIC, destination="log", payload={"event": event.pk})
        hang = Path(os.environ.get("YISHI_FAULTS_HANG", "/nonexistent"))
        if hang.exists():
            # The process running the task: RQ runs it in a forked work horse of its own
            # process group, which a machine's death takes down with the worker.
            Path(f"{hang}.started").write_text(str(os.getpid()))
            time.sleep(300)


def request_effect() -> dict[str, Any]:
    """Record the event (its commit enqueues `dispatch_events` on the configured backend)."""
    from django.db import transaction

    from yishi.core.events import event_record

    with transaction.atomic():
        event = event_record(EVENT, {"why": "fault test"})
    return {"event": event.pk}


def dispatch_again() -> dict[str, Any]:
    """One more dispatch round with the handler registered (what the periodic one does),
    then the state."""
    from yishi.core.events import events_dispatch

    _register()
    return {"round": events_dispatch(), **state()}


def recover(ahead_seconds: int) -> int:
    """The platform's recovery as it runs `ahead_seconds` from now (simulated time: RQ
    declares a job abandoned only when its worker's heartbeat has expired)."""
    import datetime as dt

    from django.utils import timezone

    from yishi.core.task_recovery import tasks_requeue_stale

    return tasks_requeue_stale(
        lease_seconds=0, now=timezone.now() + dt.timedelta(seconds=ahead_seconds)
    )


def state() -> dict[str, Any]:
    """The effect, the test handler's handling rows and the dispatch tasks by status."""
    from collections import Counter

    from django_tasks_db.models import DBTaskResult

    from yishi.core.models import EventHandling, OutboxMessage

    tasks = DBTaskResult.objects.filter(task_path__endswith="dispatch_events")
    return {
        "effects": OutboxMessage.objects.filter(topic=EFFECT_TOPIC).count(),
        "handlings": list(
            EventHandling.objects.filter(handler="faults.make_effect").values_list(
                "handler", "status"
            )
        ),
        "tasks": dict(Counter(tasks.values_list("status", flat=True))),
    }


def main(argv: list[str]) -> None:
    django.setup()
    _register()
    from django.core.management import call_command

    kind, *options = argv
    if kind == "db":
        call_command("db_worker", *options)
    else:
        call_command("rqworker", "default", "--job-class", "django_tasks_rq.Job", *options)


if __name__ == "__main__":
    main(sys.argv[1:])
