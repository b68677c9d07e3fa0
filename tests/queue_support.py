"""What the tests of the task backend share (marker `queue`). They use the backend the
environment configures (YISHI_TASK_BACKEND: the database by default, `rq` for RQ on the Redis
of YISHI_RQ_URL), so that `YISHI_TASK_BACKEND=rq pytest -m queue` runs them again on RQ; and
a real worker, `python -m yishi worker --burst`, in its own process on the test database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django_tasks.base import Task

from tests.conftest import _unavailable
from tests.settings_support import ROOT

RQ_BACKEND = "django_tasks_rq.RQBackend"
DB_BACKEND = "django_tasks_db.DatabaseBackend"


def backend_path() -> str:
    return settings.TASKS["default"]["BACKEND"]


def on_rq() -> bool:
    return backend_path() == RQ_BACKEND


def rq_connection():
    """The Redis of YISHI_RQ_URL, or the test skips (fails under CI=true) when none answers."""
    import django_rq
    from redis.exceptions import ConnectionError as RedisDown

    redis = django_rq.get_connection("default")
    try:
        redis.ping()
    except RedisDown:
        _unavailable(f"needs Redis at {settings.RQ_URL} (YISHI_RQ_URL)")
    return redis


def rq_empty() -> None:
    """Empty the RQ queue and forget the waiting kicks: only our own keys, never FLUSHDB
    (the Redis database may be shared)."""
    import django_rq

    redis = rq_connection()
    django_rq.get_queue("default").empty()
    for key in redis.scan_iter("yishi:tasks:waiting:*"):
        redis.delete(key)


@pytest.fixture
def task_backend():
    """The configured backend, emptied of runs left by an earlier test."""
    if on_rq():
        rq_empty()
        yield backend_path()
        rq_empty()
    else:
        yield backend_path()


def waiting_runs(task: Task) -> int:
    """Runs of `task` enqueued and not yet taken by a worker."""
    if on_rq():
        import django_rq

        queue = django_rq.get_queue("default")
        return sum(1 for job in queue.get_jobs() if job.func_name == task.module_path)
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=task.module_path, status="READY").count()


def take_waiting_runs() -> None:
    """What a worker does when it takes the waiting runs: they start, so they may already be
    past a change made now."""
    if on_rq():
        import django_rq
        from rq.job import JobStatus

        queue = django_rq.get_queue("default")
        for job in queue.get_jobs():
            queue.remove(job)
            job.set_status(JobStatus.STARTED)
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(status="READY").update(status="RUNNING")


def database_url() -> str:
    """The test database, as a URL a worker process can use (PostgreSQL)."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def run_worker(*, backend: str, var_dir: str) -> subprocess.CompletedProcess[str]:
    """A real worker of `backend` ("database" or "rq") in its own process on the test
    database: it runs every waiting task, then exits (`--burst`)."""
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT / "src"),
        DJANGO_SETTINGS_MODULE="yishi.settings",
        DATABASE_URL=database_url(),
        YISHI_TASK_BACKEND=backend,
        YISHI_RQ_URL=settings.RQ_URL,
        YISHI_VAR_DIR=var_dir,
        YISHI_KEY_DIR=str(settings.KEY_DIR),  # the same keys decrypt what the test wrote
    )
    done = subprocess.run(
        [sys.executable, "-m", "yishi", "worker", "--burst"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done
