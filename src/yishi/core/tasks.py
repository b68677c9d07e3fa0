"""Background tasks of the kernel (django-tasks: the database backend by default)."""

from __future__ import annotations

from django_tasks import task
from django_tasks.base import Task

from yishi.core import rows
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


@task()
def sign_audit_head() -> dict[str, object]:
    """Sign the audit chain's head with the platform's SM2 key (the scheduler runs it daily)."""
    from yishi.core.checkpoints import audit_checkpoint_sign

    checkpoint = audit_checkpoint_sign()
    if checkpoint is None:
        return {"entry_id": None}
    return {"entry_id": checkpoint.entry_id, "hash": checkpoint.hash}


def enqueue_unless_waiting(kick: Task) -> None:
    """Enqueue `kick` (a task without arguments that handles everything due, such as
    `dispatch_events`) unless a run of it is already waiting to start on the database
    backend. That run starts after this caller's commit, so it sees what this one would
    have: one row per busy moment instead of one per change. Other backends enqueue
    every time."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = kick.get_backend()
    if isinstance(backend, DatabaseBackend):
        table = DBTaskResult._meta.db_table
        waiting = rows.scalar(
            f'SELECT 1 FROM "{table}" WHERE "status" = %s AND "task_path" = %s '  # noqa: S608
            'AND "backend_name" = %s AND "queue_name" = %s LIMIT 1',
            ["READY", kick.module_path, backend.alias, kick.queue_name],
        )
        if waiting:
            return
    kick.enqueue()
