"""Background tasks of the kernel (django-tasks: the database backend by default, RQ on Redis
with YISHI_TASK_BACKEND=rq). The periodic ones are enqueued by `python -m yishi scheduler`
(yishi/schedule.py)."""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task
from django_tasks.base import Task, TaskResult

from yishi.core import rows
from yishi.core.audit import audit_verify
from yishi.core.events import events_dispatch
from yishi.core.idempotency import idempotency_purge
from yishi.core.outbox import outbox_deliver_due
from yishi.core.uploads import stored_files_sweep

log = logging.getLogger(__name__)

# How long RQ remembers the last kick it enqueued per task (its id); past this a new kick is
# enqueued whatever became of the old one.
_RQ_WAITING_SECONDS = 24 * 3600


class AuditChainBroken(Exception):
    """The scheduled audit check found the hash chain broken: the task fails, visibly."""


@task()
def deliver_outbox(limit: int = 100) -> dict[str, int]:
    """Deliver the outbox messages that are due; returns the counts of the run."""
    return outbox_deliver_due(limit=limit).as_dict()


@task()
def dispatch_events(limit: int = 100) -> dict[str, int]:
    """Run the registered handlers of pending domain events; returns the counts of the run."""
    return events_dispatch(limit=limit)


@task()
def purge_idempotency() -> int:
    """Delete expired Idempotency-Key records (daily); returns how many."""
    return idempotency_purge()


@task()
def sweep_uploads(grace_minutes: int = 60) -> int:
    """Delete upload files no row refers to and older than the grace period (left by a
    rollback or a crash); returns how many."""
    return stored_files_sweep(grace=dt.timedelta(minutes=grace_minutes))


@task()
def verify_audit() -> str:
    """Walk the audit log's SM3 chain (daily). A broken chain fails the task, so it shows as
    a failed task and an error in the worker's log instead of passing unnoticed."""
    from yishi.core.checkpoints import audit_checkpoints_verify

    result = audit_verify()
    if not result.ok:
        log.error("audit chain broken at entry %s", result.broken_id)
        raise AuditChainBroken(result.summary())
    # A chain rewritten with every hash recomputed passes the walk but not a signed head.
    checkpoints = audit_checkpoints_verify()
    if not checkpoints.ok:
        log.error("audit chain no longer matches a signed head")
        raise AuditChainBroken(checkpoints.summary())
    return f"{result.summary()} {checkpoints.summary()}"


@task()
def recover_tasks() -> int:
    """Re-queue the tasks a killed worker left running (core.task_recovery); returns how many.
    A run of it on a live worker is what brings a dead one's task back."""
    from yishi.core.task_recovery import tasks_requeue_stale

    return tasks_requeue_stale()


@task()
def sign_audit_head() -> dict[str, object]:
    """Sign the audit chain's head with the platform's SM2 key (the scheduler runs it daily)."""
    from yishi.core.checkpoints import audit_checkpoint_sign

    checkpoint = audit_checkpoint_sign()
    if checkpoint is None:
        return {"entry_id": None}
    return {"entry_id": checkpoint.entry_id, "hash": checkpoint.hash}


def enqueue_unless_waiting(kick: Task) -> TaskResult | None:
    """Enqueue `kick` (a task without arguments that handles everything due, such as
    `dispatch_events`) unless a run of it is already waiting to start. That run starts after
    this caller's commit, so it sees what this one would have: one run per busy moment instead
    of one per change. The database backend looks for a READY row of the task; RQ keeps the
    id of the last kick in Redis and looks at that job's status. Other backends (immediate)
    enqueue every time. Returns the new run, or None when one was waiting."""
    backend = kick.get_backend()
    if type(backend).__module__.startswith("django_tasks_db."):
        return None if _db_waiting(kick, backend.alias) else kick.enqueue()
    if type(backend).__module__.startswith("django_tasks_rq."):
        return _rq_enqueue_unless_waiting(kick, backend.alias)
    return kick.enqueue()


def _db_waiting(kick: Task, alias: str) -> bool:
    from django_tasks_db.models import DBTaskResult

    table = DBTaskResult._meta.db_table
    return bool(
        rows.scalar(
            f'SELECT 1 FROM "{table}" WHERE "status" = %s AND "task_path" = %s '  # noqa: S608
            'AND "backend_name" = %s AND "queue_name" = %s LIMIT 1',
            ["READY", kick.module_path, alias, kick.queue_name],
        )
    )


def _rq_enqueue_unless_waiting(kick: Task, alias: str) -> TaskResult | None:
    """RQ has no query by task: the last kick's job id lives under a key per task, and a
    job still queued (not yet taken by a worker) covers this caller. Two callers racing
    may both enqueue; the kicks are idempotent, so that costs one empty run."""
    import django_rq
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    connection = django_rq.get_connection(kick.queue_name)
    key = f"yishi:tasks:waiting:{alias}:{kick.queue_name}:{kick.module_path}"
    job_id = connection.get(key)
    if job_id:
        try:
            status = Job.fetch(job_id.decode(), connection=connection).get_status()
        except NoSuchJobError:
            status = None
        if status in {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}:
            return None
    result = kick.enqueue()
    connection.set(key, result.id, ex=_RQ_WAITING_SECONDS)
    return result
