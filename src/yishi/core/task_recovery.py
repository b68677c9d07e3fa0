"""Tasks a dead worker left behind. The database task backend (django-tasks-db) marks a task
RUNNING when a worker claims it and never looks at it again: a worker killed mid-task (OOM,
SIGKILL, a machine lost) leaves it RUNNING for ever. `tasks_requeue_stale` puts every task
RUNNING for longer than the lease (`TASK_LEASE_SECONDS`) back to READY, so a live worker runs
it again. Run it periodically (command `recover_tasks`, by the scheduler) and before workers
start.

Running a task again is only safe because the platform's tasks are idempotent: the outbox
delivers with a lease and a delivery id the receiver de-duplicates, and an event handler's
effect commits together with its "done" row (core.events), so a killed run left nothing and
the second run does it once. A task longer than the lease is run twice: keep the lease above
the longest task (the default is 15 minutes; `deliver_outbox` and `dispatch_events` take
seconds).

On RQ (YISHI_TASK_BACKEND=rq) a killed worker's job stays in the queue's started-job
registry until its heartbeat's expiry passes; RQ's own cleanup then moves it to the failed
registry as abandoned (AbandonedJobError; django-tasks-rq gives its jobs no retries). Here
that cleanup runs, and the jobs it found abandoned are put back in their queue.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


def tasks_requeue_stale(
    *, lease_seconds: int | None = None, now: datetime.datetime | None = None
) -> int:
    """Put the database backend's tasks RUNNING since before `now - lease` back to READY, or
    RQ's jobs abandoned before `now` back in their queues; returns how many."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if not isinstance(backend, DatabaseBackend):
        if type(backend).__name__ == "RQBackend":
            return _rq_requeue_abandoned(now)
        return 0

    lease = settings.TASK_LEASE_SECONDS if lease_seconds is None else lease_seconds
    cutoff = (now or timezone.now()) - datetime.timedelta(seconds=lease)
    stale = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    ids = [str(pk) for pk in stale.values_list("id", flat=True)]
    if not ids:
        return 0
    # The status in the filter again: a worker that finished meanwhile keeps its result.
    count = DBTaskResult.objects.filter(
        id__in=ids, status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(status=TaskResultStatus.READY, started_at=None)
    logger.warning("re-queued %s task(s) a worker left running: %s", count, ", ".join(ids))
    return count


def _rq_requeue_abandoned(now: datetime.datetime | None) -> int:
    """RQ's abandoned-job cleanup (expired started-registry entries), then a re-queue of
    what it moved to the failed registry."""
    import django_rq
    from django_rq.settings import QUEUES

    timestamp = (now or timezone.now()).timestamp()
    count = 0
    for name in QUEUES:
        queue = django_rq.get_queue(name)
        started = queue.started_job_registry
        abandoned = started.get_expired_job_ids(timestamp)
        if not abandoned:
            continue
        started.cleanup(timestamp)
        failed = queue.failed_job_registry
        for job_id in abandoned:
            if job_id in failed:
                failed.requeue(job_id)
                count += 1
    if count:
        logger.warning("re-queued %s RQ job(s) a killed worker abandoned", count)
    return count
