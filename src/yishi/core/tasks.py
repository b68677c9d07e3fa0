"""Background tasks of the kernel (django-tasks: the database backend by default)."""

from __future__ import annotations

from django_tasks import task

from yishi.core.events import events_dispatch
from yishi.core.outbox import outbox_deliver_due


@task()
def deliver_outbox(limit: int = 100) -> dict[str, int]:
    """Deliver the outbox messages that are due; returns the counts of the run."""
    return outbox_deliver_due(limit=limit).as_dict()


@task()
def dispatch_events(limit: int = 100) -> dict[str, int]:
    """Run the registered handlers of pending domain events; returns the counts of the run."""
    return events_dispatch(limit=limit)
